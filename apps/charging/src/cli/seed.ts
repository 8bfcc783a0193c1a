/**
 * Seeds PostgreSQL and the balance engine. Idempotent: a rerun creates only what is missing and
 * re-projects what it seeded.
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register apps/charging/src/cli/seed.ts \
 *     [--demo] [--subscribers N [--msisdn-base 4915100000000] [--imsi-base 262010000000000] [--initial-balance 1000.00]]
 *
 * --demo (the default when nothing is asked): DEMO_PLANS, a demo customer and three demo accounts.
 * --subscribers N: N prepaid load-test subscribers (lt-0..lt-N-1) on the flat load-test plan.
 */
import { parseMoney } from '@app/money';
import { openCliContext } from './cli-context';
import { loadCliConfig, parseArgs, runCli, UsageError } from './cli-support';
import { type BulkOptions, DEFAULT_IMSI_BASE, DEFAULT_MSISDN_BASE, SEED_SUBSCRIBERS_MAX, seedBulk } from './seed-bulk';
import { seedCatalog, seedDemo } from './seed-demo';

const USAGE = 'seed.ts [--demo] [--subscribers N [--msisdn-base DIGITS] [--imsi-base DIGITS] [--initial-balance DECIMAL]]';
/** Balance of each load-test subscriber: enough for long runs without running dry. */
export const DEFAULT_LOADTEST_BALANCE = '1000.00';

export interface SeedPlan {
  demo: boolean;
  bulk?: BulkOptions;
}

function digits(name: string, value: string | true | undefined, fallback: bigint): bigint {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^[1-9][0-9]{4,14}$/.test(value)) throw new UsageError(`--${name} must be 5 to 15 digits`);
  return BigInt(value);
}

export function seedPlanFromArgs(argv: readonly string[]): SeedPlan {
  const args = parseArgs(argv, { demo: 'flag', subscribers: 'value', 'msisdn-base': 'value', 'imsi-base': 'value', 'initial-balance': 'value' });
  const n = args.get('subscribers');
  if (n === undefined) {
    if (['msisdn-base', 'imsi-base', 'initial-balance'].some((k) => args.has(k))) throw new UsageError('--msisdn-base, --imsi-base and --initial-balance need --subscribers');
    return { demo: true };
  }
  const count = Number(n);
  if (typeof n !== 'string' || !/^[0-9]+$/.test(n) || count < 1 || count > SEED_SUBSCRIBERS_MAX) throw new UsageError(`--subscribers must be an integer from 1 to ${SEED_SUBSCRIBERS_MAX}`);
  const balance = args.get('initial-balance') ?? DEFAULT_LOADTEST_BALANCE;
  let initialBalanceMicros: bigint;
  try {
    initialBalanceMicros = parseMoney(balance);
  } catch (e) {
    throw new UsageError(`--initial-balance: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (initialBalanceMicros < 0n) throw new UsageError('--initial-balance must not be negative');
  const bulk = { count, msisdnBase: digits('msisdn-base', args.get('msisdn-base'), DEFAULT_MSISDN_BASE), imsiBase: digits('imsi-base', args.get('imsi-base'), DEFAULT_IMSI_BASE), initialBalanceMicros };
  return { demo: args.has('demo'), bulk };
}

if (require.main === module) {
  runCli('seed', USAGE, async () => {
    const plan = seedPlanFromArgs(process.argv.slice(2));
    const config = loadCliConfig();
    const ctx = await openCliContext(config, 'seed');
    try {
      if (plan.demo) process.stdout.write(`seed: demo ${JSON.stringify(await seedDemo(ctx))}\n`);
      if (plan.bulk) {
        if (!plan.demo) await seedCatalog(ctx);
        const started = Date.now();
        const { accountsCreated } = await seedBulk(ctx, config.DATABASE_URL, plan.bulk);
        process.stdout.write(`seed: ${plan.bulk.count} load-test subscribers (${accountsCreated} new) in ${Date.now() - started} ms\n`);
      }
    } finally {
      await ctx.close();
    }
  });
}
