import { Inject, Injectable, Optional } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { BillingAccount } from '@app/db/core';
import { PricePlan, PricePlanVersion } from '@app/db/catalog';
import { CLOCK, type Clock, LOGGER, type Logger } from '@app/observability';
import { REBUILD_PAGE_SIZE } from '../provisioning.limits';
import { BalanceJournal } from '../../journal/balance-journal';
import { ProvisioningError, ProvisioningErrorCode } from '../provisioning-error';
import { Projector } from '../shared/projector';

export type RebuildProjectionCommand = ({ accountId: string } | { all: true }) & {
  /** Catch the balance journal up with the stream first (default true; false restores from what PostgreSQL holds now). */
  journalCatchUp?: boolean;
};

/** The journal the rebuild restored from. */
export interface RebuildJournalReport {
  /** Stream sequence the journal had applied up to. */
  position: number;
  /** The stream's last sequence when the catch-up started; null when there was no catch-up. */
  streamLastSeq: number | null;
  /** Events removed from the stream before the journal read them (ever): restored balances miss them. */
  eventsLost: number;
  eventsInvalid: number;
  /** Times the stream was found created anew (what the old one held unread is missing too). */
  streamResets: number;
  /** Events parked in journal_parked_event (ever, invalid ones included): restored balances miss them. */
  eventsParked: number;
}

export interface RebuildReport {
  accounts: number;
  /** Accounts the engine lacked and the journal has not seen, created at their PostgreSQL ledger balance. */
  accountsInitialisedFromLedger: number;
  /** Accounts the engine lacked, created from the balance journal (balance, allowances used, tier counters). */
  accountsRestoredFromJournal: number;
  /** The balance journal used; null when this rebuild has none (the demo seed). */
  journal: RebuildJournalReport | null;
  plans: number;
  subscriptions: number;
  grants: number;
  topUpsFinished: number;
  /** Accounts that could not be projected (the rest went on). */
  failed: { accountId: string; error: string }[];
}

/**
 * Re-projects PostgreSQL into the balance engine: price plans (current versions), accounts (static
 * fields, status), unconfirmed top-ups, unexpired allowance grants and the MSISDN/IMSI routes of
 * every subscription. Idempotent: what the engine has keeps its balance, buckets and counters.
 *
 * An account the engine lacks (Redis lost it) is created from the balance journal when the journal
 * has seen it: its balance (plus confirmed top-ups whose events the journal lacks), its allowance
 * buckets less the units used, and the tier counters of its current cycle. The journal is caught
 * up with the rated-event stream first, so what JetStream holds is included; what is lost is only
 * what Redis lost before its outbox reached JetStream (apps/charging/README.md, "Rebuild"). An
 * account the journal has not seen starts at its ledger balance. Routes of deleted subscriptions
 * are not removed (repeat the DELETE).
 */
@Injectable()
export class RebuildProjectionUseCase {
  constructor(
    private readonly em: EntityManager,
    private readonly projector: Projector,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
    @Optional() private readonly journal?: BalanceJournal,
  ) {}

  /** `onAccounts` hears, after each page of --all, how many accounts are done (projected or failed). */
  async execute(cmd: RebuildProjectionCommand, onAccounts?: (done: number) => void): Promise<RebuildReport> {
    const report: RebuildReport = {
      accounts: 0,
      accountsInitialisedFromLedger: 0,
      accountsRestoredFromJournal: 0,
      journal: await this.journalReport(cmd.journalCatchUp ?? true),
      plans: 0,
      subscriptions: 0,
      grants: 0,
      topUpsFinished: 0,
      failed: [],
    };
    const em = this.em.fork();
    if ('accountId' in cmd) {
      const account = await em.findOne(BillingAccount, cmd.accountId);
      if (account === null) throw ProvisioningError.notFound('billing account', cmd.accountId);
      report.plans += await this.projectPlans(em, [account.plan.id]);
      await this.projectPage(em, [account], report);
      return report;
    }
    report.plans += await this.projectPlans(em, undefined);
    for (let after = ''; ;) {
      const page = await em.find(BillingAccount, { id: { $gt: after } }, { orderBy: { id: 'asc' }, limit: REBUILD_PAGE_SIZE });
      await this.projectPage(em, page, report);
      onAccounts?.(report.accounts + report.failed.length);
      if (page.length < REBUILD_PAGE_SIZE) return report;
      after = page[page.length - 1].id;
      em.clear();
    }
  }

  private async journalReport(catchUp: boolean): Promise<RebuildJournalReport | null> {
    if (!this.journal) return null;
    try {
      const { position, streamLastSeq } = catchUp
        ? await this.journal.catchUp()
        : { position: await this.journal.position(), streamLastSeq: null };
      if (position.eventsLost > 0)
        this.logger.warn({ eventsLost: position.eventsLost }, 'rebuild-projection: the journal misses events the stream removed unread');
      if (position.eventsParked > 0)
        this.logger.warn(
          { eventsParked: position.eventsParked },
          'rebuild-projection: the journal parked events it could not apply (journal_parked_event)',
        );
      const { eventsLost, eventsInvalid, streamResets, eventsParked } = position;
      return { position: position.lastSeq, streamLastSeq, eventsLost, eventsInvalid, streamResets, eventsParked };
    } catch (err) {
      this.logger.error({ err }, 'rebuild-projection: the balance journal could not be caught up');
      const why = err instanceof Error ? err.message : String(err);
      throw new ProvisioningError(
        ProvisioningErrorCode.JOURNAL_UNAVAILABLE,
        `the balance journal could not be caught up with the rated-event stream (${why}); nothing was rebuilt`,
      );
    }
  }

  /** The current version of the given plans (all plans when undefined). */
  private async projectPlans(em: EntityManager, ids: string[] | undefined): Promise<number> {
    let count = 0;
    for (let after = ''; ;) {
      const where = ids === undefined ? { id: { $gt: after } } : { id: { $in: ids, $gt: after } };
      const plans = await em.find(PricePlan, where, { orderBy: { id: 'asc' }, limit: REBUILD_PAGE_SIZE });
      for (const plan of plans) {
        const version = await em.findOneOrFail(PricePlanVersion, { plan: plan.id, version: plan.currentVersion });
        await this.projector.plan(plan.id, version.planJson);
        count++;
      }
      if (plans.length < REBUILD_PAGE_SIZE) return count;
      after = plans[plans.length - 1].id;
    }
  }

  private async projectPage(em: EntityManager, accounts: BillingAccount[], report: RebuildReport): Promise<void> {
    for (const r of await this.projector.restoreAccounts(em, accounts, this.journal)) {
      if ('error' in r) {
        this.logger.error({ err: r.error, accountId: r.accountId }, 'rebuild-projection: account failed');
        report.failed.push({ accountId: r.accountId, error: r.error instanceof Error ? r.error.message : String(r.error) });
        continue;
      }
      report.accounts++;
      if (r.created && r.fromJournal) report.accountsRestoredFromJournal++;
      else if (r.created) report.accountsInitialisedFromLedger++;
      report.topUpsFinished += r.topUpsFinished;
      report.grants += r.grants;
      report.subscriptions += r.subscriptions;
    }
  }
}
