import { compileRate, parsePricePlan, type RatingContext, RatingErrorCode, selectRate } from '@app/rating';
import { at, basePlanJson, expectRatingError } from './test/fixtures';

const plan = parsePricePlan(basePlanJson());
const NATIONAL = '33412345678';

function ctx(overrides: Partial<RatingContext> = {}): RatingContext {
  // Monday 2025-01-06 12:00 in Paris (CET, UTC+1)
  return {
    ratingGroup: 10,
    serviceId: 0,
    calledNumber: NATIONAL,
    atMs: at('2025-01-06T11:00:00Z'),
    timeZone: 'Europe/Paris',
    roaming: false,
    ...overrides,
  };
}

describe('compileRate: element selection', () => {
  it.each<[string, Partial<RatingContext>, string]>([
    ['national number at peak', {}, 'voice-peak'],
    ['longest prefix: 336 (mobile) beats 33 (national)', { calledNumber: '33612345678' }, 'voice-mobile'],
    ['longest prefix: 331 (Paris) beats 33', { calledNumber: '33112345678' }, 'voice-paris'],
    ['a leading "+" is ignored', { calledNumber: '+33612345678' }, 'voice-mobile'],
    ['exactly the prefix', { calledNumber: '336' }, 'voice-mobile'],
    ['another country', { calledNumber: '4930123456' }, 'voice-de'],
    ['roaming beats the destination zone', { calledNumber: '33112345678', roaming: true }, 'voice-roaming'],
    ['roaming without a called number', { calledNumber: undefined, roaming: true }, 'voice-roaming'],
    ['data (rating group only)', { ratingGroup: 20, calledNumber: undefined }, 'data'],
    ['serviceId + ratingGroup beats serviceId alone', { ratingGroup: 40, serviceId: 7 }, 'content-7'],
    ['serviceId alone beats ratingGroup alone', { ratingGroup: 41, serviceId: 7 }, 'content-any'],
    ['ratingGroup when the service has no element', { ratingGroup: 40, serviceId: 8 }, 'content'],
  ])('%s', (_name, overrides, elementId) => {
    expect(selectRate(plan, ctx(overrides)).element.id).toBe(elementId);
    expect(compileRate(plan, ctx(overrides)).tariffId).toBe(`test-plan:3:${elementId}`);
  });

  it('breaks ties by plan order', () => {
    const json = basePlanJson();
    json.elements = [
      { id: 'first', ratingGroup: 10, zones: ['NAT', 'DE'], unit: 'SECONDS', price: '1', per: 60, firstUnits: 1, nextUnits: 1 },
      { id: 'second', ratingGroup: 10, zones: ['NAT'], unit: 'SECONDS', price: '2', per: 60, firstUnits: 1, nextUnits: 1 },
    ];
    expect(selectRate(parsePricePlan(json), ctx()).element.id).toBe('first');
  });

  it('compiles the element to integers', () => {
    expect(compileRate(plan, ctx())).toEqual({
      tariffId: 'test-plan:3:voice-peak',
      unit: 'SECONDS',
      setupMicros: 50_000,
      firstUnits: 60,
      nextUnits: 60,
      perUnits: 60,
      tiers: [{ fromUnits: 0, priceMicros: 120_000 }],
      tariffChangeAtMs: at('2025-01-06T19:00:00Z'),
    });
    expect(compileRate(plan, ctx({ ratingGroup: 20, calledNumber: undefined }))).toEqual({
      tariffId: 'test-plan:3:data',
      unit: 'BYTES',
      setupMicros: 0,
      firstUnits: 1_048_576,
      nextUnits: 1_048_576,
      perUnits: 1_048_576,
      tiers: [
        { fromUnits: 0, priceMicros: 10_000 },
        { fromUnits: 1_073_741_824, priceMicros: 5_000 },
      ],
    });
  });

  it('hands out a fresh rate each time', () => {
    const first = compileRate(plan, ctx());
    first.tiers[0].priceMicros = 1;
    expect(compileRate(plan, ctx()).tiers[0].priceMicros).toBe(120_000);
  });

  it('sets no tariff change when no candidate depends on time bands', () => {
    expect(compileRate(plan, ctx({ calledNumber: '33612345678' })).tariffChangeAtMs).toBeUndefined();
  });
});

describe('compileRate: NO_RATE', () => {
  it.each<[string, Partial<RatingContext>, RegExp]>([
    ['an unknown rating group', { ratingGroup: 99 }, /rating group 99, service 0, zone NAT, home/],
    ['a voice call without a called number at home', { calledNumber: undefined }, /no called number/],
    ['a number in no zone', { calledNumber: '4412345678' }, /zone \(none\)/],
  ])('%s', (_name, overrides, message) => {
    expectRatingError(() => compileRate(plan, ctx(overrides)), RatingErrorCode.NO_RATE, undefined, message);
  });

  it('when no element covers the time band, and announces that moment', () => {
    const json = basePlanJson();
    json.elements = [
      { id: 'peak-only', ratingGroup: 10, timeBands: ['PEAK'], unit: 'SECONDS', price: '1', per: 60, firstUnits: 1, nextUnits: 1 },
    ];
    const peakOnly = parsePricePlan(json);
    expect(compileRate(peakOnly, ctx()).tariffChangeAtMs).toBe(at('2025-01-06T19:00:00Z'));
    expectRatingError(
      () => compileRate(peakOnly, ctx({ atMs: at('2025-01-06T19:00:00Z') })),
      RatingErrorCode.NO_RATE,
      undefined,
      /time band OFFPEAK/,
    );
  });
});

describe('compileRate: invalid context', () => {
  it.each<[string, Partial<RatingContext>, string]>([
    ['a negative rating group', { ratingGroup: -1 }, 'ratingGroup'],
    ['a rating group beyond Unsigned32', { ratingGroup: 2 ** 32 }, 'ratingGroup'],
    ['a fractional service id', { serviceId: 1.5 }, 'serviceId'],
    ['a negative instant', { atMs: -1 }, 'atMs'],
    ['an instant after 9999', { atMs: 253_402_300_800_000 }, 'atMs'],
    ['letters in the called number', { calledNumber: '33abc' }, 'calledNumber'],
    ['separators in the called number', { calledNumber: '33-1-23' }, 'calledNumber'],
    ['an empty called number', { calledNumber: '' }, 'calledNumber'],
    ['a 33-digit called number', { calledNumber: '3'.repeat(33) }, 'calledNumber'],
    ['an unknown time zone', { timeZone: 'Mars/Olympus_Mons' }, 'timeZone'],
    ['a non-boolean roaming flag', { roaming: 'no' as unknown as boolean }, 'roaming'],
  ])('refuses %s', (_name, overrides, path) => {
    expectRatingError(() => compileRate(plan, ctx(overrides)), RatingErrorCode.INVALID_USAGE, path);
  });
});
