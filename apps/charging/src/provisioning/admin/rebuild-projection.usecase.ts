import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { AllowanceGrant, BillingAccount, PricePlan, PricePlanVersion, Subscription, TopUp } from '@app/db';
import { CLOCK, type Clock, LOGGER, type Logger } from '@app/observability';
import { REBUILD_CONCURRENCY, REBUILD_PAGE_SIZE } from '../provisioning.limits';
import { ProvisioningError } from '../provisioning-error';
import { openingBalancesMicros, Projector } from '../shared/projector';

export type RebuildProjectionCommand = { accountId: string } | { all: true };

export interface RebuildReport {
  accounts: number;
  /** Accounts the engine lacked, created with their balance from the PostgreSQL ledger. */
  accountsInitialisedFromLedger: number;
  plans: number;
  subscriptions: number;
  grants: number;
  topUpsFinished: number;
  /** Accounts that could not be projected (the rest went on). */
  failed: { accountId: string; error: string }[];
}

/** What the rebuild reads from PostgreSQL for a page of accounts, one query each. */
interface PageState {
  opening: Map<string, bigint>;
  pending: Map<string, TopUp[]>;
  grants: Map<string, AllowanceGrant[]>;
  subscriptions: Map<string, Subscription[]>;
}

function byAccount<T extends { account: { id: string } }>(rows: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) out.set(r.account.id, [...(out.get(r.account.id) ?? []), r]);
  return out;
}

/**
 * Re-projects PostgreSQL into the balance engine: price plans (current versions), accounts (static
 * fields, status; an account the engine lacks starts at its ledger balance), unconfirmed top-ups,
 * unexpired allowance grants and the MSISDN/IMSI routes of every subscription. Idempotent.
 *
 * Known gap: debits are not in PostgreSQL but in the rated-event journal (JetStream); replaying
 * them into a balance initialised from the ledger is not implemented, so a rebuilt balance is the
 * ledger balance, before usage. Routes of deleted subscriptions are not removed (repeat the DELETE).
 */
@Injectable()
export class RebuildProjectionUseCase {
  constructor(
    private readonly em: EntityManager,
    private readonly projector: Projector,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async execute(cmd: RebuildProjectionCommand): Promise<RebuildReport> {
    const report: RebuildReport = { accounts: 0, accountsInitialisedFromLedger: 0, plans: 0, subscriptions: 0, grants: 0, topUpsFinished: 0, failed: [] };
    const em = this.em.fork();
    if ('accountId' in cmd) {
      const account = await em.findOne(BillingAccount, cmd.accountId);
      if (account === null) throw ProvisioningError.notFound('billing account', cmd.accountId);
      report.plans += await this.projectPlans(em, [account.plan.id]);
      await this.projectPage(em, [account], report);
      return report;
    }
    report.plans += await this.projectPlans(em, undefined);
    for (let after = ''; ; ) {
      const page = await em.find(BillingAccount, { id: { $gt: after } }, { orderBy: { id: 'asc' }, limit: REBUILD_PAGE_SIZE });
      await this.projectPage(em, page, report);
      if (page.length < REBUILD_PAGE_SIZE) return report;
      after = page[page.length - 1].id;
      em.clear();
    }
  }

  /** The current version of the given plans (all plans when undefined). */
  private async projectPlans(em: EntityManager, ids: string[] | undefined): Promise<number> {
    let count = 0;
    for (let after = ''; ; ) {
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

  private async loadPage(em: EntityManager, ids: string[]): Promise<PageState> {
    const now = new Date(this.clock.nowMs());
    const [opening, pending, grants, subscriptions] = [
      await openingBalancesMicros(em, ids),
      await em.find(TopUp, { account: { $in: ids }, projectedAt: null }, { orderBy: { createdAt: 'asc' } }),
      await em.find(AllowanceGrant, { account: { $in: ids }, expiresAt: { $gt: now } }),
      await em.find(Subscription, { account: { $in: ids } }, { orderBy: { id: 'asc' } }),
    ];
    return { opening, pending: byAccount(pending), grants: byAccount(grants), subscriptions: byAccount(subscriptions) };
  }

  private async projectPage(em: EntityManager, accounts: BillingAccount[], report: RebuildReport): Promise<void> {
    if (accounts.length === 0) return;
    const state = await this.loadPage(em, accounts.map((a) => a.id));
    for (let i = 0; i < accounts.length; i += REBUILD_CONCURRENCY) {
      await Promise.all(accounts.slice(i, i + REBUILD_CONCURRENCY).map((a) => this.projectAccount(em.fork(), a, state, report)));
    }
  }

  private async projectAccount(em: EntityManager, account: BillingAccount, state: PageState, report: RebuildReport): Promise<void> {
    const grants = state.grants.get(account.id) ?? [];
    const subs = state.subscriptions.get(account.id) ?? [];
    try {
      const { created, topUpsFinished } = await this.projector.accountFrom(em, account, state.opening.get(account.id) ?? 0n, state.pending.get(account.id) ?? []);
      await Promise.all(grants.map((g) => this.projector.grant(g)));
      await this.projector.routes(account, subs);
      report.accounts++;
      report.accountsInitialisedFromLedger += created ? 1 : 0;
      report.topUpsFinished += topUpsFinished;
      report.grants += grants.length;
      report.subscriptions += subs.length;
    } catch (err) {
      this.logger.error({ err, accountId: account.id }, 'rebuild-projection: account failed');
      report.failed.push({ accountId: account.id, error: err instanceof Error ? err.message : String(err) });
    }
  }
}
