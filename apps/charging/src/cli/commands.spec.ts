import { Command } from 'commander';
import { exitCodeOf, runCommandLine } from '@app/runtime/cli';
import { type ChargingActions, type SeedPlan, registerChargingCommands } from './commands';
import { bulkRow } from './seed-bulk';
import { DEFAULT_IMSI_BASE, DEFAULT_MSISDN_BASE } from './seed-limits';

/** Parses argv with recording actions: what each command would run, its exit code and stderr. */
async function parse(argv: string[]): Promise<{ code: number; calls: unknown[]; stderr: string }> {
  const calls: unknown[] = [];
  const record = (name: string) => async (arg?: unknown) => void calls.push(arg === undefined ? [name] : [name, arg]);
  const actions: ChargingActions = {
    migrate: record('migrate'),
    seed: record('seed'),
    rebuild: record('rebuild'),
    cdrIngest: record('cdr'),
    renewalsRunDue: record('renewals run-due'),
  };
  const program = new Command('ratel');
  let stderr = '';
  program.configureOutput({ writeErr: (t) => (stderr += t), writeOut: () => undefined });
  registerChargingCommands(program, actions);
  const code = await runCommandLine(program, argv, { writeErr: (t) => (stderr += t) });
  return { code, calls, stderr };
}

describe('ratel seed', () => {
  it('defaults to the demo data', async () => expect((await parse(['seed'])).calls).toEqual([['seed', { demo: true }]]));

  it('reads a bulk request with its defaults', async () => {
    const plan = (await parse(['seed', '--subscribers', '100000'])).calls[0] as [string, SeedPlan];
    expect(plan[1]).toEqual({
      demo: false,
      bulk: { count: 100_000, msisdnBase: DEFAULT_MSISDN_BASE, imsiBase: DEFAULT_IMSI_BASE, initialBalanceMicros: 1_000_000_000n },
    });
    const both = await parse(['seed', '--demo', '--subscribers', '5', '--initial-balance', '2.5', '--msisdn-base', '33700000000']);
    expect(both.calls[0]).toEqual([
      'seed',
      { demo: true, bulk: { count: 5, msisdnBase: 33_700_000_000n, imsiBase: DEFAULT_IMSI_BASE, initialBalanceMicros: 2_500_000n } },
    ]);
  });

  it.each([
    [['seed', '--subscribers', '0'], /--subscribers <n>' argument '0' is invalid/],
    [['seed', '--subscribers', '1.5'], /must be an integer from 1 to 10000000/],
    [['seed', '--subscribers', '10000001'], /must be an integer/],
    [['seed', '--subscribers', '10', '--initial-balance', '1e3'], /--initial-balance/],
    [['seed', '--subscribers', '10', '--initial-balance', '-1'], /must not be negative/],
    [['seed', '--subscribers', '10', '--imsi-base', '0262'], /--imsi-base <digits>' argument '0262' is invalid/],
    [['seed', '--msisdn-base', '4915100000000'], /need --subscribers/],
    [['seed', '--force'], /unknown option '--force'/],
    [['seed', 'all'], /too many arguments/],
  ])('refuses %j with exit code 2', async (argv, message) => {
    const r = await parse(argv);
    expect({ code: r.code, calls: r.calls }).toEqual({ code: 2, calls: [] });
    expect(r.stderr).toMatch(message);
  });

  it('numbers subscribers from the bases and refuses numbers that leave the formats', () => {
    const o = { count: 10, msisdnBase: DEFAULT_MSISDN_BASE, imsiBase: DEFAULT_IMSI_BASE, initialBalanceMicros: 0n };
    expect(bulkRow(o, 7)).toEqual({ accountId: 'lt-7', subscriptionId: 'lt-7-line-1', msisdn: '4915100000007', imsi: '262010000000007' });
    expect(() => bulkRow({ ...o, imsiBase: 999_999_999_999_999n }, 1)).toThrow(/IMSI/);
    expect(() => bulkRow({ ...o, msisdnBase: 999_999_999_999_999n }, 1)).toThrow(/MSISDN/);
  });
});

describe('ratel rebuild', () => {
  it.each([
    [['rebuild', '--all'], { all: true, journalCatchUp: true }],
    [['rebuild', '--account', 'demo-prepaid-1'], { accountId: 'demo-prepaid-1', journalCatchUp: true }],
    [['rebuild', '--all', '--no-journal-catch-up'], { all: true, journalCatchUp: false }],
  ])('%j', async (argv, command) => expect((await parse(argv)).calls).toEqual([['rebuild', command]]));

  it.each([
    [['rebuild'], /ratel rebuild: give exactly one of --account ID and --all\nsee: ratel rebuild --help/],
    [['rebuild', '--account', 'a', '--all'], /exactly one/],
    [['rebuild', '--account', 'a b'], /must match/],
    [['rebuild', '--account'], /option '--account <id>' argument missing/],
  ])('refuses %j with exit code 2', async (argv, message) => {
    const r = await parse(argv);
    expect({ code: r.code, calls: r.calls }).toEqual({ code: 2, calls: [] });
    expect(r.stderr).toMatch(message);
  });
});

describe('ratel migrate, cdr ingest, help', () => {
  it('runs migrate, and cdr ingest with its format and files', async () => {
    expect((await parse(['migrate'])).calls).toEqual([['migrate']]);
    expect((await parse(['cdr', 'ingest', '--format', 'voice', 'a.csv', 'b.csv'])).calls).toEqual([
      ['cdr', { format: 'voice', files: ['a.csv', 'b.csv'] }],
    ]);
  });

  it.each([
    [['cdr', 'ingest', 'a.csv'], /required option '--format <format>' not specified/],
    [['cdr', 'ingest', '--format', 'sms', 'a.csv'], /Allowed choices are voice, data/],
    [['cdr', 'ingest', '--format', 'data'], /missing required argument 'files'/],
    [['migrate', 'now'], /too many arguments/],
  ])('refuses %j with exit code 2', async (argv, message) => {
    const r = await parse(argv);
    expect({ code: r.code, calls: r.calls }).toEqual({ code: 2, calls: [] });
    expect(r.stderr).toMatch(message);
  });

  it('answers --help with exit code 0 and a failing action with 1', async () => {
    expect((await parse(['seed', '--help'])).code).toBe(0);
    expect((await parse(['cdr', 'ingest', '--help'])).code).toBe(0);
    expect(exitCodeOf(new Error('connection refused'))).toBe(1);
  });
});

describe('ratel renewals', () => {
  it('run-due runs one renewal run', async () =>
    expect(await parse(['renewals', 'run-due'])).toMatchObject({ code: 0, calls: [['renewals run-due']] }));

  it('refuses an unknown subcommand', async () => expect((await parse(['renewals', 'run-all'])).code).toBe(2));
});
