import {
  DEMO_LOADTEST_PLAN,
  DEMO_PLANS,
  DEMO_POSTPAID_PLAN,
  DEMO_PREPAID_PLAN,
  parsePricePlan,
  type PricePlan,
  RatingGroups,
  rateUsage,
  type UsageRecord,
} from '@app/rating';
import { at } from './test/fixtures';

const MB = 1_048_576;
const GB = 1_073_741_824;
const MONDAY_10H_PARIS = at('2025-01-06T09:00:00Z');
const SATURDAY_10H_PARIS = at('2025-01-11T09:00:00Z');

function usage(ratingGroup: number, units: number, overrides: Partial<UsageRecord> = {}): UsageRecord {
  return {
    ratingGroup,
    serviceId: 0,
    startMs: MONDAY_10H_PARIS,
    units,
    timeZone: 'Europe/Paris',
    roaming: false,
    cycleUsedBefore: 0,
    ...overrides,
  };
}

describe('DEMO_PLANS', () => {
  it('have unique ids and survive a JSON round trip', () => {
    expect(new Set(DEMO_PLANS.map((p) => p.id)).size).toBe(DEMO_PLANS.length);
    for (const plan of DEMO_PLANS) expect(parsePricePlan(JSON.parse(JSON.stringify(plan)))).toEqual(plan);
  });

  it('rate every conventional rating group at home', () => {
    for (const plan of DEMO_PLANS) {
      for (const rg of Object.values(RatingGroups)) {
        expect(() => rateUsage(plan, usage(rg, 1, { calledNumber: '33412345678' }))).not.toThrow();
      }
    }
  });

  const { VOICE, DATA, SMS, CONTENT } = RatingGroups;
  it.each<[string, PricePlan, UsageRecord, bigint, string]>([
    // [name, plan, usage, amount, tariff]
    [
      'prepaid: national call at peak, 30/6 + setup',
      DEMO_PREPAID_PLAN,
      usage(VOICE, 65, { calledNumber: '33412345678' }),
      182_000n,
      'voice-national-peak',
    ],
    [
      'prepaid: mobile call on Saturday',
      DEMO_PREPAID_PLAN,
      usage(VOICE, 30, { calledNumber: '33612345678', startMs: SATURDAY_10H_PARIS }),
      80_000n,
      'voice-national-offpeak',
    ],
    [
      'prepaid: premium number (longest prefix 3389)',
      DEMO_PREPAID_PLAN,
      usage(VOICE, 61, { calledNumber: '33899123456' }),
      3_000_000n,
      'voice-premium',
    ],
    ['prepaid: call to Germany', DEMO_PREPAID_PLAN, usage(VOICE, 90, { calledNumber: '4930123456' }), 600_000n, 'voice-eu'],
    ['prepaid: call to the US', DEMO_PREPAID_PLAN, usage(VOICE, 60, { calledNumber: '12125550100' }), 1_050_000n, 'voice-world'],
    [
      'prepaid: call while roaming',
      DEMO_PREPAID_PLAN,
      usage(VOICE, 60, { calledNumber: '33412345678', roaming: true }),
      650_000n,
      'voice-roaming',
    ],
    ['prepaid: 1.5 MB of data in 1 MB blocks', DEMO_PREPAID_PLAN, usage(DATA, 1.5 * MB), 20_000n, 'data-home'],
    ['prepaid: 3 GB of data across two tiers', DEMO_PREPAID_PLAN, usage(DATA, 3 * GB), 20_480_000n, 'data-home'],
    [
      'prepaid: 150 KB of roaming data in 100 KB blocks',
      DEMO_PREPAID_PLAN,
      usage(DATA, 150 * 1024, { roaming: true }),
      9_766n,
      'data-roaming',
    ],
    ['prepaid: two SMS', DEMO_PREPAID_PLAN, usage(SMS, 2), 100_000n, 'sms-home'],
    ['prepaid: a game purchase', DEMO_PREPAID_PLAN, usage(CONTENT, 1, { serviceId: 4001 }), 2_990_000n, 'content-game'],
    [
      'prepaid: other content, priced by the default element',
      DEMO_PREPAID_PLAN,
      usage(CONTENT, 1, { serviceId: 9999 }),
      990_000n,
      'content-default',
    ],
    [
      'postpaid: national call, per second',
      DEMO_POSTPAID_PLAN,
      usage(VOICE, 61, { calledNumber: '33412345678' }),
      122_000n,
      'voice-national',
    ],
    [
      'postpaid: EU call, first minute then per second',
      DEMO_POSTPAID_PLAN,
      usage(VOICE, 10, { calledNumber: '4930123456' }),
      150_000n,
      'voice-eu',
    ],
    ['postpaid: 1 MB + 1 byte of data in 1 KB blocks', DEMO_POSTPAID_PLAN, usage(DATA, MB + 1), 2_002n, 'data-home'],
    ['load test: 61 s call', DEMO_LOADTEST_PLAN, usage(VOICE, 61), 200_000n, 'voice'],
    ['load test: 1 byte', DEMO_LOADTEST_PLAN, usage(DATA, 1), 10_000n, 'data'],
    ['load test: content', DEMO_LOADTEST_PLAN, usage(CONTENT, 1), 1_000_000n, 'content'],
  ])('%s', (_name, plan, record, amount, elementId) => {
    const rated = rateUsage(plan, record);
    expect(rated.amountMicros).toBe(amount);
    expect(rated.tariffIds).toEqual([`${plan.id}:${plan.version}:${elementId}`]);
  });
});
