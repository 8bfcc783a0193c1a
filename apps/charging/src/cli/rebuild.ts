/**
 * `ratel rebuild`: re-projects PostgreSQL into the balance engine (Redis): plans, accounts,
 * unconfirmed top-ups, unexpired allowances and subscriber routes. First catches the balance
 * journal up with the rated-event stream (NATS_URL); an account the engine lacks is then created
 * from the journal (balance, allowance units used, tier counters), or at its ledger balance when
 * the journal has not seen it. `--no-journal-catch-up` restores from the journal as PostgreSQL
 * holds it (no NATS). Prints the report as JSON; `--all` shows its progress on stderr.
 */
import { Registry } from 'prom-client';
import { BillingAccount } from '@app/db';
import { RATED_STREAM } from '@app/events';
import { UsageError } from '@app/runtime/cli';
import { startProgress } from '@app/runtime/progress';
import { BalanceJournal } from '../journal/balance-journal';
import { createNatsConnection, drainNats } from '@app/runtime';
import {
  type RebuildProjectionCommand,
  type RebuildReport,
  RebuildProjectionUseCase,
} from '../provisioning/admin/rebuild-projection.usecase';
import { loadCliConfig } from './cli-config';
import { type CliContext, openCliContext } from './cli-context';

async function rebuildWithProgress(
  ctx: CliContext,
  useCase: RebuildProjectionUseCase,
  command: RebuildProjectionCommand,
): Promise<RebuildReport> {
  if (!('all' in command)) return useCase.execute(command);
  const total = await ctx.orm.em.fork().count(BillingAccount, {});
  const progress = startProgress({ label: 'rebuild', total, unit: 'accounts' });
  try {
    return await useCase.execute(command, (done) => progress.update(done));
  } finally {
    progress.stop();
  }
}

export async function runRebuild(command: RebuildProjectionCommand): Promise<void> {
  const config = loadCliConfig();
  if (command.journalCatchUp !== false && !config.NATS_URL) {
    throw new UsageError(
      'NATS_URL is needed to catch the balance journal up first; set it, or pass --no-journal-catch-up to restore from the journal as PostgreSQL holds it',
    );
  }
  const ctx = await openCliContext(config, 'rebuild');
  const nc = command.journalCatchUp !== false ? await createNatsConnection(config.NATS_URL!, 'ratel-rebuild') : undefined;
  const journal = new BalanceJournal({
    nc,
    databaseUrl: config.DATABASE_URL,
    stream: RATED_STREAM,
    registry: new Registry(),
    logger: ctx.logger,
    clock: ctx.clock,
  });
  try {
    const useCase = new RebuildProjectionUseCase(ctx.orm.em, ctx.projector, ctx.clock, ctx.logger, journal);
    const report = await rebuildWithProgress(ctx, useCase, command);
    process.stdout.write(`${JSON.stringify(report)}\n`);
    if (report.failed.length > 0) {
      throw new Error(`${report.failed.length} account(s) failed; first: ${report.failed[0].accountId}: ${report.failed[0].error}`);
    }
  } finally {
    await journal.stop();
    if (nc) await drainNats(nc);
    await ctx.close();
  }
}
