import { compileRate, parsePricePlan, priceUnitsMicros, RatingErrorCode, rateUsage, type UsageRecord } from '@app/rating';
import { at, basePlanJson, expectRatingError, seededRandom } from './test/fixtures';

const plan = parsePricePlan(basePlanJson());
const MB = 1_048_576;
const GB = 1_073_741_824;

function call(startIso: string, units: number, overrides: Partial<UsageRecord> = {}): UsageRecord {
  return {
    ratingGroup: 10,
    serviceId: 0,
    calledNumber: '33412345678',
    startMs: at(startIso),
    units,
    timeZone: 'Europe/Paris',
    roaming: false,
    cycleUsedBefore: 0,
    ...overrides,
  };
}

describe('rateUsage: calls split at tariff changes', () => {
  it('a call from peak into off-peak: increments on the whole call, round-up in the last segment', () => {
    // Monday 19:58:30 Paris, 200 s: 90 s peak (0.12/60, 60/60) + 110 s off-peak (0.06/60); billable 240 by the peak increments.
    const rated = rateUsage(plan, call('2025-01-06T18:58:30Z', 200));
    expect(rated).toEqual({
      currency: 'EUR',
      usedUnits: 200,
      billableUnits: 240,
      setupMicros: 50_000n,
      amountMicros: 380_000n,
      cycleUsedAfter: 240,
      segments: [
        {
          tariffId: 'test-plan:3:voice-peak',
          timeBand: 'PEAK',
          startMs: at('2025-01-06T18:58:30Z'),
          usedUnits: 90,
          billableUnits: 90,
          amountMicros: 180_000n,
        },
        {
          tariffId: 'test-plan:3:voice-offpeak',
          timeBand: 'OFFPEAK',
          startMs: at('2025-01-06T19:00:00Z'),
          usedUnits: 110,
          billableUnits: 150,
          amountMicros: 150_000n,
        },
      ],
      tariffIds: ['test-plan:3:voice-peak', 'test-plan:3:voice-offpeak'],
    });
  });

  it('a call from off-peak into peak uses the off-peak increments (30/6) of its start', () => {
    const rated = rateUsage(plan, call('2025-01-06T06:59:50Z', 15));
    expect(rated.billableUnits).toBe(30);
    expect(rated.segments.map((s) => [s.timeBand, s.usedUnits, s.billableUnits, s.amountMicros])).toEqual([
      ['OFFPEAK', 10, 10, 10_000n],
      ['PEAK', 5, 20, 40_000n],
    ]);
    expect(rated.amountMicros).toBe(100_000n);
  });

  it('rates each second in the band in force when it starts (sub-second start)', () => {
    const rated = rateUsage(plan, call('2025-01-06T18:59:59.500Z', 3));
    expect(rated.segments.map((s) => [s.timeBand, s.startMs, s.usedUnits, s.billableUnits])).toEqual([
      ['PEAK', at('2025-01-06T18:59:59.500Z'), 1, 1],
      ['OFFPEAK', at('2025-01-06T19:00:00.500Z'), 2, 59],
    ]);
    expect(rated.amountMicros).toBe(50_000n + 2_000n + 59_000n);
  });

  it('a call over the weekend: peak, off-peak + weekend (one element), peak again', () => {
    // Friday 19:00 Paris to Monday 09:00 Paris: 1 h peak, 60 h off-peak/weekend, 1 h peak.
    const rated = rateUsage(plan, call('2025-01-10T18:00:00Z', 62 * 3600));
    expect(rated.segments.map((s) => [s.tariffId, s.usedUnits, s.amountMicros])).toEqual([
      ['test-plan:3:voice-peak', 3600, 7_200_000n],
      ['test-plan:3:voice-offpeak', 60 * 3600, 216_000_000n],
      ['test-plan:3:voice-peak', 3600, 7_200_000n],
    ]);
    expect(rated.tariffIds).toEqual(['test-plan:3:voice-peak', 'test-plan:3:voice-offpeak']);
    expect(rated.amountMicros).toBe(50_000n + 230_400_000n);
  });

  it('rounds once per rated charge: two half micros make one micro, not two', () => {
    const json = basePlanJson();
    json.elements = [
      { id: 'peak', ratingGroup: 10, timeBands: ['PEAK'], unit: 'SECONDS', price: '0.000001', per: 2, firstUnits: 1, nextUnits: 1 },
      {
        id: 'other',
        ratingGroup: 10,
        timeBands: ['OFFPEAK', 'WEEKEND'],
        unit: 'SECONDS',
        price: '0.000001',
        per: 2,
        firstUnits: 1,
        nextUnits: 1,
      },
    ];
    const rated = rateUsage(parsePricePlan(json), call('2025-01-06T18:59:59Z', 2));
    expect(rated.segments.map((s) => s.amountMicros)).toEqual([1n, 0n]);
    expect(rated.amountMicros).toBe(1n);
  });

  it('accumulates tier usage across segments in time order', () => {
    const json = basePlanJson();
    json.elements = [
      {
        id: 'peak',
        ratingGroup: 10,
        timeBands: ['PEAK'],
        unit: 'SECONDS',
        tiers: [
          { fromUnits: 0, price: '0.000010' },
          { fromUnits: 100, price: '0.000001' },
        ],
        per: 1,
        firstUnits: 1,
        nextUnits: 1,
      },
      {
        id: 'other',
        ratingGroup: 10,
        timeBands: ['OFFPEAK', 'WEEKEND'],
        unit: 'SECONDS',
        tiers: [
          { fromUnits: 0, price: '0.000020' },
          { fromUnits: 100, price: '0.000002' },
        ],
        per: 1,
        firstUnits: 1,
        nextUnits: 1,
      },
    ];
    // 60 s peak after 20 s of cycle usage (all tier 0), then 60 s off-peak: 20 s in tier 0, 40 s in tier 1.
    const rated = rateUsage(parsePricePlan(json), call('2025-01-06T18:59:00Z', 120, { cycleUsedBefore: 20 }));
    expect(rated.segments.map((s) => s.amountMicros)).toEqual([600n, 20n * 20n + 40n * 2n]);
    expect(rated.cycleUsedAfter).toBe(140);
  });
});

describe('rateUsage: single-segment usage agrees with the engine functions', () => {
  it.each<[string, UsageRecord, bigint]>([
    [
      'data spanning the 1 GB tier boundary',
      call('2025-01-06T11:00:00Z', 3 * MB - 100, { ratingGroup: 20, calledNumber: undefined, cycleUsedBefore: GB - MB }),
      10_000n + 2n * 5_000n,
    ],
    [
      'data exactly at the tier boundary',
      call('2025-01-06T11:00:00Z', MB, { ratingGroup: 20, calledNumber: undefined, cycleUsedBefore: GB }),
      5_000n,
    ],
    ['three SMS', call('2025-01-06T11:00:00Z', 3, { ratingGroup: 30, calledNumber: undefined }), 150_000n],
    ['a roaming call', call('2025-01-06T11:00:00Z', 61, { roaming: true }), 1_000_000n],
    ['a mobile call, 30/6', call('2025-01-06T11:00:00Z', 31, { calledNumber: '33612345678' }), 120_000n],
    ['a call without setup fee due', call('2025-01-06T11:00:00Z', 60, { setupDue: false }), 120_000n],
    ['no usage: no setup fee either', call('2025-01-06T11:00:00Z', 0), 0n],
  ])('%s', (_name, record, expected) => {
    const rated = rateUsage(plan, record);
    const rate = compileRate(plan, { ...record, atMs: record.startMs });
    const setup = record.units > 0 && record.setupDue !== false ? BigInt(rate.setupMicros) : 0n;
    expect(rated.amountMicros).toBe(expected);
    expect(rated.amountMicros).toBe(setup + priceUnitsMicros(rate, rated.billableUnits, record.cycleUsedBefore));
    expect(rated.segments).toHaveLength(1);
  });

  it('keeps segments consistent with the totals for random calls over a week', () => {
    const random = seededRandom(42);
    const monday = at('2025-03-24T00:00:00Z'); // the week DST starts in Paris
    for (let n = 0; n < 300; n++) {
      const startMs = monday + Math.floor(random() * 7 * 86_400_000);
      const units = Math.floor(random() * 4 * 3600);
      const rated = rateUsage(plan, { ...call('2025-01-01T00:00:00Z', units), startMs });
      expect(rated.segments.reduce((s, x) => s + x.usedUnits, 0)).toBe(units);
      expect(rated.segments.reduce((s, x) => s + x.billableUnits, 0)).toBe(rated.billableUnits);
      expect(rated.segments.reduce((s, x) => s + x.amountMicros, rated.setupMicros)).toBe(rated.amountMicros);
      rated.segments.forEach((s, i) => i > 0 && expect(s.tariffId).not.toBe(rated.segments[i - 1].tariffId));
    }
  });
});

describe('rateUsage: invalid records', () => {
  it.each<[string, Partial<UsageRecord>, RatingErrorCode, string | undefined]>([
    ['negative units', { units: -1 }, RatingErrorCode.INVALID_USAGE, 'units'],
    ['fractional units', { units: 1.5 }, RatingErrorCode.INVALID_USAGE, 'units'],
    ['units beyond the engine limit', { units: 10_000_000_000_001 }, RatingErrorCode.INVALID_USAGE, 'units'],
    ['negative cycle usage', { cycleUsedBefore: -1 }, RatingErrorCode.INVALID_USAGE, 'cycleUsedBefore'],
    ['a negative start', { startMs: -1 }, RatingErrorCode.INVALID_USAGE, 'startMs'],
    ['a call ending after 9999', { startMs: 253_402_300_000_000, units: 1_000 }, RatingErrorCode.INVALID_USAGE, 'units'],
    ['an unknown time zone', { timeZone: 'Europe/Atlantis' }, RatingErrorCode.INVALID_USAGE, 'timeZone'],
    ['no rate', { ratingGroup: 99 }, RatingErrorCode.NO_RATE, undefined],
  ])('refuses %s', (_name, overrides, code, path) => {
    expectRatingError(() => rateUsage(plan, call('2025-01-06T11:00:00Z', 60, overrides)), code, path);
  });
});
