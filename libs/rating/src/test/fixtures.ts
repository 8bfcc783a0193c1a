/** Shared fixtures of the rating specs. */
import type { CompiledRate } from '../compiled-rate';
import { RatingError, type RatingErrorCode } from '../rating-error';

/** A structurally valid plan (JSON) with zones, bands and each unit, to be varied by specs. */
export function basePlanJson(): Record<string, unknown> {
  return {
    id: 'test-plan',
    version: 3,
    name: 'Test plan',
    currency: 'EUR',
    zones: [
      { id: 'NAT', prefixes: ['33'] },
      { id: 'MOB', prefixes: ['336', '337'] },
      { id: 'PARIS', prefixes: ['331'] },
      { id: 'DE', prefixes: ['49'] },
    ],
    timeBands: [
      { id: 'WEEKEND', windows: [{ days: ['SAT', 'SUN'], from: '00:00', to: '24:00' }] },
      { id: 'PEAK', windows: [{ days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], from: '08:00', to: '20:00' }] },
      {
        id: 'OFFPEAK',
        windows: [
          { days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], from: '00:00', to: '08:00' },
          { days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], from: '20:00', to: '24:00' },
        ],
      },
    ],
    elements: [
      {
        id: 'voice-peak',
        ratingGroup: 10,
        zones: ['NAT'],
        timeBands: ['PEAK'],
        unit: 'SECONDS',
        setupFee: '0.05',
        price: '0.12',
        per: 60,
        firstUnits: 60,
        nextUnits: 60,
      },
      {
        id: 'voice-offpeak',
        ratingGroup: 10,
        zones: ['NAT'],
        timeBands: ['OFFPEAK', 'WEEKEND'],
        unit: 'SECONDS',
        setupFee: '0.05',
        price: '0.06',
        per: 60,
        firstUnits: 30,
        nextUnits: 6,
      },
      { id: 'voice-paris', ratingGroup: 10, zones: ['PARIS'], unit: 'SECONDS', price: '0.02', per: 60, firstUnits: 1, nextUnits: 1 },
      { id: 'voice-mobile', ratingGroup: 10, zones: ['MOB'], unit: 'SECONDS', price: '0.20', per: 60, firstUnits: 30, nextUnits: 6 },
      { id: 'voice-de', ratingGroup: 10, zones: ['DE'], unit: 'SECONDS', price: '0.30', per: 60, firstUnits: 60, nextUnits: 60 },
      { id: 'voice-roaming', ratingGroup: 10, roaming: true, unit: 'SECONDS', price: '0.50', per: 60, firstUnits: 60, nextUnits: 60 },
      {
        id: 'data',
        ratingGroup: 20,
        unit: 'BYTES',
        tiers: [
          { fromUnits: 0, price: '0.01' },
          { fromUnits: 1_073_741_824, price: '0.005' },
        ],
        per: 1_048_576,
        firstUnits: 1_048_576,
        nextUnits: 1_048_576,
      },
      { id: 'sms', ratingGroup: 30, unit: 'EVENTS', price: '0.05', per: 1, firstUnits: 1, nextUnits: 1 },
      { id: 'content-7', ratingGroup: 40, serviceId: 7, unit: 'EVENTS', price: '2.99', per: 1, firstUnits: 1, nextUnits: 1 },
      { id: 'content-any', serviceId: 7, unit: 'EVENTS', price: '9.99', per: 1, firstUnits: 1, nextUnits: 1 },
      { id: 'content', ratingGroup: 40, unit: 'EVENTS', price: '0.99', per: 1, firstUnits: 1, nextUnits: 1 },
    ],
  };
}

/** A compiled rate with defaults, for pricing specs. */
export function rate(overrides: Partial<CompiledRate> = {}): CompiledRate {
  return {
    tariffId: 'p:1:e',
    unit: 'SECONDS',
    setupMicros: 0,
    firstUnits: 1,
    nextUnits: 1,
    perUnits: 1,
    tiers: [{ fromUnits: 0, priceMicros: 1 }],
    ...overrides,
  };
}

/** The RatingError thrown by `fn` (fails the spec when none is). */
export function ratingErrorOf(fn: () => unknown): RatingError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RatingError) return e;
    throw e;
  }
  throw new Error('expected a RatingError');
}

export function expectRatingError(fn: () => unknown, code: RatingErrorCode, path?: string, message?: RegExp): void {
  const e = ratingErrorOf(fn);
  expect({ code: e.code, path: e.path }).toEqual({ code, path });
  if (message !== undefined) expect(e.message).toMatch(message);
}

/** mulberry32: a small seeded PRNG, so random specs are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Epoch ms of an ISO instant. */
export function at(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad instant ${iso}`);
  return ms;
}
