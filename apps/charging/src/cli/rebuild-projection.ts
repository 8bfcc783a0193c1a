/**
 * Re-projects PostgreSQL into the balance engine (Redis): plans, accounts (a missing account starts
 * at its ledger balance), unconfirmed top-ups, unexpired allowances and subscriber routes.
 * Debits from the rated-event journal are NOT replayed (known gap: see apps/charging/README.md).
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register apps/charging/src/cli/rebuild-projection.ts --account ID | --all
 */
import { ID_PATTERN } from '../provisioning/provisioning.limits';
import { type RebuildProjectionCommand, RebuildProjectionUseCase } from '../provisioning/admin/rebuild-projection.usecase';
import { openCliContext } from './cli-context';
import { loadCliConfig, parseArgs, runCli, UsageError } from './cli-support';

const USAGE = 'rebuild-projection.ts --account ID | --all   (reads DATABASE_URL, REDIS_URL, RATEL_REDIS_PREFIX)';

export function rebuildCommandFromArgs(argv: readonly string[]): RebuildProjectionCommand {
  const args = parseArgs(argv, { account: 'value', all: 'flag' });
  const account = args.get('account');
  if ((account === undefined) === !args.has('all')) throw new UsageError('give exactly one of --account ID and --all');
  if (typeof account === 'string') {
    if (!ID_PATTERN.test(account)) throw new UsageError(`--account must match ${ID_PATTERN.source}`);
    return { accountId: account };
  }
  return { all: true };
}

if (require.main === module) {
  runCli('rebuild-projection', USAGE, async () => {
    const command = rebuildCommandFromArgs(process.argv.slice(2));
    const ctx = await openCliContext(loadCliConfig(), 'rebuild-projection');
    try {
      const report = await new RebuildProjectionUseCase(ctx.orm.em, ctx.projector, ctx.clock, ctx.logger).execute(command);
      process.stdout.write(`${JSON.stringify(report)}\n`);
      if (report.failed.length > 0) throw new Error(`${report.failed.length} account(s) failed; first: ${report.failed[0].accountId}: ${report.failed[0].error}`);
    } finally {
      await ctx.close();
    }
  });
}
