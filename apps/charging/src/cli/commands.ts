/**
 * The charging app's commands of the operator CLI (`ratel <command>`, scripts/ratel.ts):
 *
 *   ratel migrate
 *   ratel seed [--demo] [--subscribers N [--msisdn-base DIGITS] [--imsi-base DIGITS] [--initial-balance DECIMAL]]
 *   ratel rebuild (--account ID | --all) [--no-journal-catch-up]
 *   ratel cdr ingest --format voice|data FILE...
 *   ratel renewals run-due
 *
 * This module only declares them (options, validation, help) and stays light: each action loads
 * what it runs (MikroORM, Redis, NATS) when it runs, so `ratel --help` starts in a blink.
 */
import { MSISDN_PATTERN } from '@app/events';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { UsageError } from '@app/runtime/cli';
import { parseMoney } from '@app/money';
import type { RebuildProjectionCommand } from '../provisioning/admin/rebuild-projection.usecase';
import { ID_PATTERN } from '../provisioning/provisioning.limits';
import { type BulkOptions, DEFAULT_IMSI_BASE, DEFAULT_MSISDN_BASE, SEED_SUBSCRIBERS_MAX } from './seed-limits';

/** Balance of each load-test subscriber: enough for long runs without running dry. */
export const DEFAULT_LOADTEST_BALANCE = '1000.00';
/** CDR formats `cdr ingest` takes (those of apps/charging/src/mediation/cdr-formats.ts). */
export const CDR_CLI_FORMATS = ['voice', 'data'] as const;
/** Files one `cdr ingest` takes. */
export const CDR_CLI_FILES_MAX = 1_000;

export interface SeedPlan {
  demo: boolean;
  bulk?: BulkOptions;
}

export interface CdrIngestRequest {
  format: (typeof CDR_CLI_FORMATS)[number];
  files: string[];
}

/** What the commands run; a spec replaces them to test the parsing alone. */
export interface ChargingActions {
  migrate(): Promise<void>;
  seed(plan: SeedPlan): Promise<void>;
  rebuild(command: RebuildProjectionCommand): Promise<void>;
  cdrIngest(request: CdrIngestRequest): Promise<void>;
  renewalsRunDue(): Promise<void>;
}

export const chargingActions: ChargingActions = {
  migrate: async () => (await import('./migrate')).runMigrate(),
  seed: async (plan) => (await import('./seed')).runSeed(plan),
  rebuild: async (command) => (await import('./rebuild')).runRebuild(command),
  cdrIngest: async (request) => (await import('./cdr-ingest')).runCdrIngest(request),
  renewalsRunDue: async () => (await import('./renewals-run-due')).runRenewalsRunDue(),
};

function subscribers(value: string): number {
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n < 1 || n > SEED_SUBSCRIBERS_MAX) {
    throw new InvalidArgumentError(`must be an integer from 1 to ${SEED_SUBSCRIBERS_MAX}`);
  }
  return n;
}

function digits(value: string): bigint {
  if (!MSISDN_PATTERN.test(value)) throw new InvalidArgumentError('must be 5 to 15 digits, not starting with 0');
  return BigInt(value);
}

function money(value: string): bigint {
  let micros: bigint;
  try {
    micros = parseMoney(value);
  } catch (e) {
    throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
  }
  if (micros < 0n) throw new InvalidArgumentError('must not be negative');
  return micros;
}

function accountId(value: string): string {
  if (!ID_PATTERN.test(value)) throw new InvalidArgumentError(`must match ${ID_PATTERN.source}`);
  return value;
}

interface SeedFlags {
  demo?: boolean;
  subscribers?: number;
  msisdnBase?: bigint;
  imsiBase?: bigint;
  initialBalance?: bigint;
}

/** The seed to run; throws UsageError on a combination commander cannot check. Pure. */
export function seedPlan(o: SeedFlags): SeedPlan {
  if (o.subscribers === undefined) {
    if (o.msisdnBase !== undefined || o.imsiBase !== undefined || o.initialBalance !== undefined) {
      throw new UsageError('--msisdn-base, --imsi-base and --initial-balance need --subscribers');
    }
    return { demo: true };
  }
  const bulk: BulkOptions = {
    count: o.subscribers,
    msisdnBase: o.msisdnBase ?? DEFAULT_MSISDN_BASE,
    imsiBase: o.imsiBase ?? DEFAULT_IMSI_BASE,
    initialBalanceMicros: o.initialBalance ?? parseMoney(DEFAULT_LOADTEST_BALANCE),
  };
  return { demo: o.demo === true, bulk };
}

/** The rebuild to run: exactly one of --account and --all. Pure. */
export function rebuildCommand(o: { account?: string; all?: boolean; journalCatchUp: boolean }): RebuildProjectionCommand {
  if ((o.account === undefined) === (o.all !== true)) throw new UsageError('give exactly one of --account ID and --all');
  return o.account === undefined
    ? { all: true, journalCatchUp: o.journalCatchUp }
    : { accountId: o.account, journalCatchUp: o.journalCatchUp };
}

const ENV_HELP = (vars: string) => `\nEnvironment: ${vars}.\nExit codes: 0 done, 1 failure, 2 bad usage or configuration.`;

export function registerChargingCommands(program: Command, actions: ChargingActions = chargingActions): void {
  program
    .command('migrate')
    .description('apply the pending PostgreSQL migrations (libs/db/src/migrations)')
    .addHelpText('after', ENV_HELP('DATABASE_URL'))
    .action(() => actions.migrate());

  program
    .command('seed')
    .description('seed PostgreSQL and the balance engine: the demo data (default) and/or N load-test subscribers; idempotent')
    .option('--demo', 'the demo price plans, customer and three accounts (the default when --subscribers is absent)')
    .option('--subscribers <n>', `N prepaid load-test subscribers lt-0..lt-N-1 (1 to ${SEED_SUBSCRIBERS_MAX})`, subscribers)
    .option('--msisdn-base <digits>', `MSISDN of lt-0 (default ${DEFAULT_MSISDN_BASE})`, digits)
    .option('--imsi-base <digits>', `IMSI of lt-0 (default ${DEFAULT_IMSI_BASE})`, digits)
    .option('--initial-balance <decimal>', `balance of each load-test subscriber (default ${DEFAULT_LOADTEST_BALANCE})`, money)
    .addHelpText('after', ENV_HELP('DATABASE_URL, REDIS_URL, RATEL_REDIS_PREFIX, RATEL_REDIS_CLUSTER'))
    .action((o: SeedFlags) => actions.seed(seedPlan(o)));

  program
    .command('rebuild')
    .description('re-project PostgreSQL (and the balance journal) into the balance engine; prints the report as JSON')
    .option('--account <id>', 'one billing account', accountId)
    .option('--all', 'every billing account')
    .option('--no-journal-catch-up', 'restore from the journal as PostgreSQL holds it (no NATS needed)')
    .addHelpText('after', ENV_HELP('DATABASE_URL, REDIS_URL, RATEL_REDIS_PREFIX, NATS_URL (for the journal catch-up)'))
    .action((o: { account?: string; all?: boolean; journalCatchUp: boolean }) => actions.rebuild(rebuildCommand(o)));

  const cdr = program.command('cdr').description('CDR mediation: offline rating of CDR files');
  cdr
    .command('ingest')
    .description('rate CDR files from disk and publish their events, one file after the other; prints each file summary as JSON')
    .addOption(new Option('--format <format>', "the files' format").choices(CDR_CLI_FORMATS).makeOptionMandatory())
    .argument('<files...>', `CSV files (at most ${CDR_CLI_FILES_MAX}); a file already ingested is skipped`)
    .addHelpText(
      'after',
      ENV_HELP('REDIS_URL, RATEL_REDIS_PREFIX, NATS_URL, CLICKHOUSE_URL, CLICKHOUSE_DATABASE, CDR_* (as the invoicing process)') +
        '\nA file that fails (bad header, too large, a server down) makes the exit code 1; the other files still run.',
    )
    .action((files: string[], o: { format: CdrIngestRequest['format'] }) => {
      if (files.length > CDR_CLI_FILES_MAX) throw new UsageError(`at most ${CDR_CLI_FILES_MAX} files at once, got ${files.length}`);
      return actions.cdrIngest({ format: o.format, files });
    });

  const renewals = program.command('renewals').description('prepaid renewals of recurring fees (apps/charging/src/renewal)');
  renewals
    .command('run-due')
    .description(
      'one renewal run now, as the renewal worker does it: plans the current periods and attempts the due renewals; prints the summary as JSON',
    )
    .addHelpText('after', ENV_HELP('DATABASE_URL, REDIS_URL, RATEL_REDIS_PREFIX, RATEL_REDIS_CLUSTER'))
    .action(() => actions.renewalsRunDue());
}
