import { parseArgs, UsageError } from './cli-support';
import { rebuildCommandFromArgs } from './rebuild-projection';
import { seedPlanFromArgs } from './seed';
import { bulkRow, DEFAULT_IMSI_BASE, DEFAULT_MSISDN_BASE } from './seed-bulk';

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
  return 'ACCEPTED';
}

describe('parseArgs', () => {
  it('reads flags and values and refuses everything else', () => {
    expect([...parseArgs(['--all', '--account', 'a1'], { all: 'flag', account: 'value' })]).toEqual([['all', true], ['account', 'a1']]);
    expect(usageMessage(() => parseArgs(['all'], { all: 'flag' }))).toBe('unknown argument "all"');
    expect(usageMessage(() => parseArgs(['--force'], {}))).toBe('unknown argument "--force"');
    expect(usageMessage(() => parseArgs(['--account'], { account: 'value' }))).toBe('--account needs a value');
    expect(usageMessage(() => parseArgs(['--account', '--all'], { account: 'value', all: 'flag' }))).toBe('--account needs a value');
    expect(usageMessage(() => parseArgs(['--all', '--all'], { all: 'flag' }))).toBe('--all given twice');
  });
});

describe('rebuild-projection arguments', () => {
  it.each([
    [['--all'], { all: true, journalCatchUp: true }],
    [['--account', 'demo-prepaid-1'], { accountId: 'demo-prepaid-1', journalCatchUp: true }],
    [['--all', '--no-journal-catch-up'], { all: true, journalCatchUp: false }],
  ])('%j', (argv, command) => expect(rebuildCommandFromArgs(argv)).toEqual(command));

  it.each([
    [[], /exactly one/],
    [['--account', 'a', '--all'], /exactly one/],
    [['--account', 'a b'], /--account must match/],
  ])('refuses %j', (argv, message) => expect(usageMessage(() => rebuildCommandFromArgs(argv))).toMatch(message));
});

describe('seed arguments', () => {
  it('defaults to the demo data', () => expect(seedPlanFromArgs([])).toEqual({ demo: true }));

  it('reads a bulk request with its defaults', () => {
    expect(seedPlanFromArgs(['--subscribers', '100000'])).toEqual({
      demo: false,
      bulk: { count: 100_000, msisdnBase: DEFAULT_MSISDN_BASE, imsiBase: DEFAULT_IMSI_BASE, initialBalanceMicros: 1_000_000_000n },
    });
    expect(seedPlanFromArgs(['--demo', '--subscribers', '5', '--initial-balance', '2.5', '--msisdn-base', '33700000000'])).toMatchObject({
      demo: true,
      bulk: { count: 5, msisdnBase: 33_700_000_000n, initialBalanceMicros: 2_500_000n },
    });
  });

  it.each([
    [['--subscribers', '0'], /--subscribers must be/],
    [['--subscribers', '1.5'], /--subscribers must be/],
    [['--subscribers', '10000001'], /--subscribers must be/],
    [['--subscribers', '10', '--initial-balance', '1e3'], /--initial-balance/],
    [['--subscribers', '10', '--initial-balance', '-1'], /must not be negative/],
    [['--subscribers', '10', '--imsi-base', '0262'], /--imsi-base must be/],
    [['--msisdn-base', '4915100000000'], /need --subscribers/],
  ])('refuses %j', (argv, message) => expect(usageMessage(() => seedPlanFromArgs(argv))).toMatch(message));

  it('numbers subscribers from the bases and refuses numbers that leave the formats', () => {
    const o = { count: 10, msisdnBase: DEFAULT_MSISDN_BASE, imsiBase: DEFAULT_IMSI_BASE, initialBalanceMicros: 0n };
    expect(bulkRow(o, 7)).toEqual({ accountId: 'lt-7', subscriptionId: 'lt-7-line-1', msisdn: '4915100000007', imsi: '262010000000007' });
    expect(() => bulkRow({ ...o, imsiBase: 999_999_999_999_999n }, 1)).toThrow(/IMSI/);
    expect(() => bulkRow({ ...o, msisdnBase: 999_999_999_999_999n }, 1)).toThrow(/MSISDN/);
  });
});
