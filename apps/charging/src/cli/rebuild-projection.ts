/**
 * Re-projects PostgreSQL into the balance engine (Redis): plans, accounts, unconfirmed top-ups,
 * unexpired allowances and subscriber routes. First catches the balance journal up with the
 * rated-event stream (NATS_URL); an account the engine lacks is then created from the journal
 * (balance, allowance units used, tier counters), or at its ledger balance when the journal has
 * not seen it. `--no-journal-catch-up` restores from the journal as PostgreSQL holds it (no NATS).
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register apps/charging/src/cli/rebuild-projection.ts --account ID | --all [--no-journal-catch-up]
 */
import { Registry } from 'prom-client';
import { RATED_STREAM } from '@app/events';
import { BalanceJournal } from '../journal/balance-journal';
import { createNatsConnection, drainNats } from '../outbox/nats-connection';
import { ID_PATTERN } from '../provisioning/provisioning.limits';
import { type RebuildProjectionCommand, RebuildProjectionUseCase } from '../provisioning/admin/rebuild-projection.usecase';
import { openCliContext } from './cli-context';
import { loadCliConfig, parseArgs, runCli, UsageError } from './cli-support';

const USAGE = 'rebuild-projection.ts --account ID | --all [--no-journal-catch-up]   (reads DATABASE_URL, REDIS_URL, RATEL_REDIS_PREFIX, NATS_URL)';

export function rebuildCommandFromArgs(argv: readonly string[]): RebuildProjectionCommand {
  const args = parseArgs(argv, { account: 'value', all: 'flag', 'no-journal-catch-up': 'flag' });
  const account = args.get('account');
  if ((account === undefined) === !args.has('all')) throw new UsageError('give exactly one of --account ID and --all');
  const journalCatchUp = !args.has('no-journal-catch-up');
  if (typeof account === 'string') {
    if (!ID_PATTERN.test(account)) throw new UsageError(`--account must match ${ID_PATTERN.source}`);
    return { accountId: account, journalCatchUp };
  }
  return { all: true, journalCatchUp };
}

if (require.main === module) {
  runCli('rebuild-projection', USAGE, async () => {
    const command = rebuildCommandFromArgs(process.argv.slice(2));
    const config = loadCliConfig();
    if (command.journalCatchUp && !config.NATS_URL) {
      throw new UsageError('NATS_URL is needed to catch the balance journal up first; set it, or pass --no-journal-catch-up to restore from the journal as PostgreSQL holds it');
    }
    const ctx = await openCliContext(config, 'rebuild-projection');
    const nc = command.journalCatchUp ? await createNatsConnection(config.NATS_URL!, 'ratel-rebuild-projection') : undefined;
    const journal = new BalanceJournal({ nc, databaseUrl: config.DATABASE_URL, stream: RATED_STREAM, registry: new Registry(), logger: ctx.logger, clock: ctx.clock });
    try {
      const report = await new RebuildProjectionUseCase(ctx.orm.em, ctx.projector, ctx.clock, ctx.logger, journal).execute(command);
      process.stdout.write(`${JSON.stringify(report)}\n`);
      if (report.failed.length > 0) throw new Error(`${report.failed.length} account(s) failed; first: ${report.failed[0].accountId}: ${report.failed[0].error}`);
    } finally {
      await journal.stop();
      if (nc) await drainNats(nc);
      await ctx.close();
    }
  });
}
