import { compileRate, PLAN_ELEMENTS_MAX, PRICE_TIERS_MAX, parsePricePlan, type PricePlan, RatingErrorCode } from '@app/rating';
import { basePlanJson, expectRatingError } from './test/fixtures';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- specs reach into arbitrary, deliberately broken plan JSON
type PlanJson = any;

function mutated(change: (plan: PlanJson) => void): PlanJson {
  const plan = basePlanJson();
  change(plan);
  return plan;
}

const home = { ratingGroup: 10, serviceId: 0, atMs: Date.UTC(2025, 0, 6, 12), timeZone: 'UTC', roaming: false };

describe('parsePricePlan: valid plans', () => {
  it('returns the plan, deeply frozen', () => {
    const plan = parsePricePlan(basePlanJson());
    expect(plan.id).toBe('test-plan');
    expect(plan.elements).toHaveLength(11);
    expect(Object.isFrozen(plan)).toBe(true);
    expect(Object.isFrozen(plan.elements[0])).toBe(true);
    expect(Object.isFrozen(plan.timeBands[0].windows[0].days)).toBe(true);
  });

  it('does not freeze or keep the caller object', () => {
    const input = basePlanJson();
    parsePricePlan(input);
    expect(Object.isFrozen(input)).toBe(false);
  });

  it('round-trips through JSON (plans are stored as JSON)', () => {
    const plan = parsePricePlan(basePlanJson());
    expect(parsePricePlan(JSON.parse(JSON.stringify(plan)))).toEqual(plan);
  });

  it('defaults zones and time bands to none', () => {
    const plan = parsePricePlan({
      id: 'p',
      version: 1,
      name: 'P',
      currency: 'JPY',
      elements: [{ id: 'sms', ratingGroup: 30, unit: 'EVENTS', price: '3', per: 1, firstUnits: 1, nextUnits: 1 }],
    });
    expect(plan.zones).toEqual([]);
    expect(plan.timeBands).toEqual([]);
  });

  it.each<[string, string[], number, number, number[]]>([
    // [name, tier prices, per, compiled perUnits, compiled priceMicros]
    ['a whole-micro price keeps per', ['0.10'], 60, 60, [100_000]],
    ['trailing zeros do not count as precision', ['0.100000000'], 60, 60, [100_000]],
    ['a sub-micro price scales per by 10', ['0.0000005'], 1, 10, [5]],
    ['the finest tier sets the scale of all tiers', ['0.001', '0.00000012'], 1024, 102_400, [100_000, 12]],
    ['12 decimals', ['0.000000000001'], 1, 1_000_000, [1]],
    ['zero price', ['0'], 1, 1, [0]],
  ])('compiles prices exactly: %s', (_name, prices, per, perUnits, priceMicros) => {
    const plan = parsePricePlan({
      id: 'p',
      version: 1,
      name: 'P',
      currency: 'EUR',
      elements: [
        {
          id: 'e',
          ratingGroup: 10,
          unit: 'SECONDS',
          tiers: prices.map((price, i) => ({ fromUnits: i * 100, price })),
          per,
          firstUnits: 1,
          nextUnits: 1,
        },
      ],
    });
    const rate = compileRate(plan, home);
    expect(rate.perUnits).toBe(perUnits);
    expect(rate.tiers.map((t) => t.priceMicros)).toEqual(priceMicros);
  });
});

describe('parsePricePlan: invalid plans', () => {
  const tooManyElements = Array.from({ length: PLAN_ELEMENTS_MAX + 1 }, (_, i) => ({
    id: `e${i}`,
    ratingGroup: i,
    unit: 'EVENTS',
    price: '1',
    per: 1,
    firstUnits: 1,
    nextUnits: 1,
  }));
  const tooManyTiers = Array.from({ length: PRICE_TIERS_MAX + 1 }, (_, i) => ({ fromUnits: i, price: '1' }));

  it.each<[string, PlanJson, string, RegExp]>([
    ['not an object', 'plan', '(root)', /expected object/],
    ['no id', mutated((p) => delete p.id), 'id', /expected string/],
    ['an id with ":"', mutated((p) => (p.id = 'a:b')), 'id', /must match/],
    ['version 0', mutated((p) => (p.version = 0)), 'version', /Too small/],
    ['a fractional version', mutated((p) => (p.version = 1.5)), 'version', /expected int/],
    ['a lowercase currency', mutated((p) => (p.currency = 'eur')), 'currency', /3 uppercase letters/],
    ['an unknown currency', mutated((p) => (p.currency = 'ABC')), 'currency', /not an active ISO 4217/],
    ['an unknown key', mutated((p) => (p.foo = 1)), 'foo', /Unrecognized key/],
    ['no elements', mutated((p) => (p.elements = [])), 'elements', /Too small/],
    ['too many elements', mutated((p) => (p.elements = tooManyElements)), 'elements', /Too big/],
    ['a prefix with "+"', mutated((p) => (p.zones[0].prefixes[0] = '+33')), 'zones[0].prefixes[0]', /1 to 15 digits/],
    ['a 16-digit prefix', mutated((p) => (p.zones[0].prefixes[0] = '3'.repeat(16))), 'zones[0].prefixes[0]', /1 to 15 digits/],
    ['a duplicate zone id', mutated((p) => (p.zones[1].id = 'NAT')), 'zones[1].id', /duplicate id "NAT" \(also zones\[0\]\)/],
    ['a prefix in two zones', mutated((p) => (p.zones[1].prefixes[0] = '33')), 'zones[1].prefixes[0]', /already in zone "NAT"/],
    [
      'a window ending before it starts',
      mutated((p) => (p.timeBands[1].windows[0].to = '07:00')),
      'timeBands[1].windows[0].to',
      /never wraps midnight/,
    ],
    ['an empty window', mutated((p) => (p.timeBands[1].windows[0].to = '08:00')), 'timeBands[1].windows[0].to', /must be after "08:00"/],
    ['a time of 25:00', mutated((p) => (p.timeBands[1].windows[0].from = '25:00')), 'timeBands[1].windows[0].from', /HH:MM/],
    ['a time of 8:00', mutated((p) => (p.timeBands[1].windows[0].from = '8:00')), 'timeBands[1].windows[0].from', /HH:MM/],
    ['a weekday twice', mutated((p) => (p.timeBands[0].windows[0].days = ['SAT', 'SAT'])), 'timeBands[0].windows[0].days', /listed twice/],
    [
      'an unknown weekday',
      mutated((p) => (p.timeBands[0].windows[0].days[0] = 'MONDAY')),
      'timeBands[0].windows[0].days[0]',
      /Invalid option/,
    ],
    ['a duplicate band id', mutated((p) => (p.timeBands[1].id = 'WEEKEND')), 'timeBands[1].id', /duplicate id/],
    [
      'an element without rating group or service',
      mutated((p) => delete p.elements[0].ratingGroup),
      'elements[0]',
      /at least one of "ratingGroup" and "serviceId"/,
    ],
    ['an unknown zone', mutated((p) => (p.elements[0].zones = ['XX'])), 'elements[0].zones[0]', /unknown zone "XX"/],
    ['a zone listed twice', mutated((p) => (p.elements[0].zones = ['NAT', 'NAT'])), 'elements[0].zones[1]', /listed twice/],
    ['an empty zone list', mutated((p) => (p.elements[0].zones = [])), 'elements[0].zones', /Too small/],
    [
      'an unknown time band',
      mutated((p) => (p.elements[0].timeBands = ['NIGHT'])),
      'elements[0].timeBands[0]',
      /unknown time band "NIGHT"/,
    ],
    ['both price and tiers', mutated((p) => (p.elements[6].price = '0.01')), 'elements[6]', /exactly one of "price" and "tiers"/],
    ['neither price nor tiers', mutated((p) => delete p.elements[0].price), 'elements[0]', /exactly one of/],
    ['a first tier not at 0', mutated((p) => (p.elements[6].tiers[0].fromUnits = 1)), 'elements[6].tiers[0].fromUnits', /must start at 0/],
    [
      'tiers not ascending',
      mutated((p) => (p.elements[6].tiers[1].fromUnits = 0)),
      'elements[6].tiers[1].fromUnits',
      /greater than the previous/,
    ],
    ['too many tiers', mutated((p) => (p.elements[6].tiers = tooManyTiers)), 'elements[6].tiers', /Too big/],
    ['a negative price', mutated((p) => (p.elements[0].price = '-0.10')), 'elements[0].price', /non-negative decimal string/],
    ['a price with an exponent', mutated((p) => (p.elements[0].price = '1e-3')), 'elements[0].price', /exponent notation/],
    ['a price as a float', mutated((p) => (p.elements[0].price = 0.1)), 'elements[0].price', /expected string/],
    ['a price with 13 decimals', mutated((p) => (p.elements[0].price = '0.0000000000001')), 'elements[0].price', /13 decimals; at most 12/],
    ['a tier price with an exponent', mutated((p) => (p.elements[6].tiers[1].price = '5E-3')), 'elements[6].tiers[1].price', /exponent/],
    [
      'a sub-micro price that cannot stay exact',
      mutated((p) => Object.assign(p.elements[0], { per: 1_099_511_627_776, price: '0.000000000001' })),
      'elements[0].price',
      /sub-micro precision: the exact compiled price needs perUnits = 1099511627776 x 10\^6 = 1099511627776000000, beyond 2\^53 - 1/,
    ],
    [
      'a price beyond the engine limit',
      mutated((p) => (p.elements[0].price = '9007199255')),
      'elements[0].price',
      /beyond the engine limit/,
    ],
    ['a setup fee with 7 decimals', mutated((p) => (p.elements[0].setupFee = '0.0500000')), 'elements[0].setupFee', /7 decimals/],
    ['a negative setup fee', mutated((p) => (p.elements[0].setupFee = '-1')), 'elements[0].setupFee', /must not be negative/],
    ['per 0', mutated((p) => (p.elements[0].per = 0)), 'elements[0].per', /Too small/],
    ['a fractional per', mutated((p) => (p.elements[0].per = 1.5)), 'elements[0].per', /expected int/],
    ['a zero first increment', mutated((p) => (p.elements[0].firstUnits = 0)), 'elements[0].firstUnits', /Too small/],
    ['a huge next increment', mutated((p) => (p.elements[0].nextUnits = 2 ** 41)), 'elements[0].nextUnits', /Too big/],
    ['an unknown unit', mutated((p) => (p.elements[0].unit = 'MINUTES')), 'elements[0].unit', /Invalid option/],
    [
      'two units in one rating group',
      mutated((p) => (p.elements[2].unit = 'BYTES')),
      'elements[2].unit',
      /rating group 10 is rated in SECONDS by elements\[0\]/,
    ],
    ['a negative rating group', mutated((p) => (p.elements[0].ratingGroup = -1)), 'elements[0].ratingGroup', /Too small/],
    ['roaming as a string', mutated((p) => (p.elements[5].roaming = 'yes')), 'elements[5].roaming', /expected boolean/],
    ['a misspelt element key', mutated((p) => (p.elements[0].setupfee = '1')), 'elements[0].setupfee', /Unrecognized key/],
    ['a duplicate element id', mutated((p) => (p.elements[1].id = 'voice-peak')), 'elements[1].id', /duplicate id "voice-peak"/],
    [
      'an element that can never be chosen',
      mutated((p) => (p.elements[1].timeBands = ['PEAK'])),
      'elements[1]',
      /same selectors as elements\[0\]/,
    ],
  ])('refuses %s', (_name, json, path, message) => {
    expectRatingError(() => parsePricePlan(json), RatingErrorCode.INVALID_PLAN, path, message);
  });

  it('names the path in the message too', () => {
    expect(() => parsePricePlan(mutated((p) => (p.elements[0].price = '-1')))).toThrow(/^elements\[0\]\.price: /);
  });

  it('validates a plan object that did not come from parsePricePlan before rating with it', () => {
    const raw = mutated((p) => (p.elements[0].price = 'abc')) as PricePlan;
    expectRatingError(() => compileRate(raw, home), RatingErrorCode.INVALID_PLAN, 'elements[0].price');
  });
});
