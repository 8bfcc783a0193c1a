/**
 * Projects PostgreSQL state into the balance engine (Redis) through the BalanceEngine port. Every
 * write use case commits first, then calls one of these; when that call fails the write stays
 * committed and the client gets PROJECTION_PENDING (503) naming what to repair: the rebuild
 * (`rebuild-projection`) re-projects everything of an account, and a top-up retried with the same
 * key finishes its own projection (the engine applies a top-up once per request id).
 */
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { BillingAccount } from '@app/db/core';
import { AllowanceGrant, Subscription, TopUp } from '@app/db/provisioning';
import { checkAmountMicros } from '@app/money';
import { CLOCK, type Clock, LOGGER, type Logger } from '@app/observability';
import {
  type AccountProjection,
  BALANCE_ENGINE,
  type BalanceEngine,
  type CycleCounters,
  type SubscriberRoute,
} from '../../balance/balance-engine.port';
import { BalanceError, BalanceErrorCode } from '../../balance/balance.errors';
import { BalanceJournal } from '../../journal/balance-journal';
import type { JournalRestore } from '../../journal/journal-store';
import { ENGINE_TOPUP_REQUEST_PREFIX, JOURNAL_INLINE_CATCH_UP_TIMEOUT_MS, REBUILD_CONCURRENCY } from '../provisioning.limits';
import { ProvisioningError, ProvisioningErrorCode } from '../provisioning-error';

export function accountProjection(a: BillingAccount): AccountProjection {
  return {
    accountId: a.id,
    type: a.type,
    currency: a.currency,
    creditLimitMicros: a.creditLimitMicros,
    thresholdsMicros: [...a.thresholdsMicros],
    status: a.status,
    timeZone: a.timeZone,
    planId: a.plan.id,
    cycleDay: a.cycleDay,
  };
}

export function subscriberRoute(a: BillingAccount): SubscriberRoute {
  return { accountId: a.id, planId: a.plan.id, timeZone: a.timeZone, currency: a.currency, cycleDay: a.cycleDay };
}

/**
 * The balance an account starts with when the engine does not know it: the ledger sum (INITIAL +
 * TOPUP + ADJUSTMENT) minus the top-ups the engine has not confirmed, which are then credited one by
 * one with their own request ids (so a concurrent retry of such a top-up cannot credit it twice).
 * One statement, so both sums come from one snapshot. Accounts without ledger entries start at 0.
 */
export async function openingBalancesMicros(em: EntityManager, accountIds: readonly string[]): Promise<Map<string, bigint>> {
  if (accountIds.length === 0) return new Map();
  const rows = await em.getConnection().execute<{ account_id: string; opening: string }[]>(
    `select l.account_id,
            (sum(l.amount_micros) - coalesce((select sum(t.amount_micros) from top_up t where t.account_id = l.account_id and t.projected_at is null), 0))::text as opening
       from ledger_entry l where l.account_id in (${accountIds.map(() => '?').join(', ')}) group by l.account_id`,
    [...accountIds],
  );
  return new Map(rows.map((r) => [r.account_id, checkAmountMicros(BigInt(r.opening), `opening balance of account ${r.account_id}`)]));
}

export interface PendingTarget {
  accountId?: string;
  resourceId?: string;
  /** What the client should do: retry, or run the rebuild. */
  repair: string;
}

/** What restoring one account did (restoreAccounts). */
export interface AccountRestoreResult {
  accountId: string;
  /** The engine lacked the account and it was created. */
  created: boolean;
  /** ...from the balance journal (else at its ledger balance). */
  fromJournal: boolean;
  topUpsFinished: number;
  grants: number;
  subscriptions: number;
}

/** What restoreAccounts reads from PostgreSQL for a set of accounts, one query each. */
interface RestoreState {
  opening: Map<string, bigint>;
  restores: Map<string, JournalRestore>;
  /** Units consumed by `<accountId>|<bucketId>`. */
  consumed: Map<string, number>;
  pending: Map<string, TopUp[]>;
  grants: Map<string, AllowanceGrant[]>;
  subscriptions: Map<string, Subscription[]>;
}

function byAccount<T extends { account: { id: string } }>(rows: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) out.set(r.account.id, [...(out.get(r.account.id) ?? []), r]);
  return out;
}

@Injectable()
export class Projector {
  constructor(
    @Inject(BALANCE_ENGINE) private readonly engine: BalanceEngine,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
    /** When present, an account the engine lost is restored from it (else from the ledger). */
    @Optional() private readonly journal?: BalanceJournal,
  ) {}

  /** Runs the projection step of a committed write; a failure becomes PROJECTION_PENDING. */
  async afterCommit<T>(what: string, target: PendingTarget, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (err) {
      // Already recorded and reported (ProjectionFailures): a retry cannot help.
      if (err instanceof ProvisioningError && err.code === ProvisioningErrorCode.PROJECTION_FAILED) throw err;
      this.logger.error({ err, ...target, what }, 'provisioning: projection into the balance engine failed after commit');
      const { repair, ...ids } = target;
      throw new ProvisioningError(
        ProvisioningErrorCode.PROJECTION_PENDING,
        `${what} is saved but not yet applied to the balance engine; ${repair}`,
        ids,
      );
    }
  }

  /**
   * Upserts the account, sets its status, and credits the top-ups the engine has not confirmed yet.
   * Returns whether the engine lacked the account and how many top-ups were finished. A new account
   * (`isNew`) starts at `openingBalancesMicros`. An existing account the engine lost (Redis lost it,
   * and no rebuild ran yet) is restored whole, as the rebuild does: the balance journal is caught up
   * first (at most JOURNAL_INLINE_CATCH_UP_TIMEOUT_MS; failing that, nothing is written and the
   * error goes to the caller), then balance, tier counters, allowances less their use, unconfirmed
   * top-ups and routes. Without a journal (the CLIs' seed), from the ledger.
   */
  async account(
    em: EntityManager,
    a: BillingAccount,
    opts: { isNew?: boolean } = {},
  ): Promise<{ created: boolean; topUpsFinished: number }> {
    // With a journal, whether the engine lost the account is asked once, here, and handed on.
    const lost =
      !opts.isNew && this.journal !== undefined ? (await this.engine.getBalance(a.id, this.clock.nowMs())) === undefined : undefined;
    if (lost === true) {
      await this.journal!.catchUp(JOURNAL_INLINE_CATCH_UP_TIMEOUT_MS);
      const [r] = await this.restoreAccounts(em, [a], this.journal);
      if ('error' in r) throw r.error;
      this.logger.warn(
        { accountId: a.id, fromJournal: r.fromJournal },
        'provisioning: the balance engine had lost the account; restored it',
      );
      return { created: r.created, topUpsFinished: r.topUpsFinished };
    }
    const opening = (await openingBalancesMicros(em, [a.id])).get(a.id) ?? 0n;
    return this.accountFrom(em, a, opening, await this.pendingTopUps(em, a.id), undefined, lost);
  }

  /**
   * The account's top-ups the engine has not confirmed, oldest first. The ids come from a raw query
   * (no query builder, no hydration); usually there is none, or only the top-up this request just
   * wrote, which `em` already manages. Only when one is not managed yet are they loaded as entities.
   */
  private async pendingTopUps(em: EntityManager, accountId: string): Promise<TopUp[]> {
    const rows = await em
      .getConnection()
      .execute<{ id: string }[]>(
        'select "id" from "top_up" where "account_id" = ? and "projected_at" is null order by "created_at" asc',
        [accountId],
        'all',
        em.getTransactionContext(),
      );
    const managed = rows.map((r) => em.getUnitOfWork().getById<TopUp>(TopUp.name, r.id));
    if (managed.every((t): t is TopUp => t !== undefined)) return managed;
    return em.find(TopUp, { account: accountId, projectedAt: null }, { orderBy: { createdAt: 'asc' } });
  }

  /** `account` with what it reads from PostgreSQL given (restoreAccounts loads it for many accounts at once); `knownLost` when the caller already asked the engine. */
  private async accountFrom(
    em: EntityManager,
    a: BillingAccount,
    openingMicros: bigint,
    pending: readonly TopUp[],
    cycle?: CycleCounters,
    knownLost?: boolean,
  ): Promise<{ created: boolean; topUpsFinished: number }> {
    const created = knownLost ?? (await this.engine.getBalance(a.id, this.clock.nowMs())) === undefined;
    await this.engine.upsertAccount(accountProjection(a), openingMicros, cycle);
    await this.engine.setStatus(a.id, a.status);
    for (const t of pending) await this.topUp(em, t);
    return { created, topUpsFinished: pending.length };
  }

  /**
   * Projects these accounts whole, as the rebuild does (the caller catches `journal` up first): an
   * account the engine lacks is created from the journal when it has seen the account (balance plus
   * confirmed top-ups it lacks, tier counters), else at its ledger balance; then status, unconfirmed
   * top-ups, unexpired grants (a bucket the engine lacks starts less the journal's consumed units)
   * and both routes of every subscription. An account that fails is reported, the others go on.
   */
  async restoreAccounts(
    em: EntityManager,
    accounts: readonly BillingAccount[],
    journal: BalanceJournal | undefined,
  ): Promise<Array<AccountRestoreResult | { accountId: string; error: unknown }>> {
    if (accounts.length === 0) return [];
    const state = await this.loadRestoreState(
      em,
      accounts.map((a) => a.id),
      journal,
    );
    const out: Array<AccountRestoreResult | { accountId: string; error: unknown }> = [];
    for (let i = 0; i < accounts.length; i += REBUILD_CONCURRENCY) {
      out.push(
        ...(await Promise.all(
          accounts
            .slice(i, i + REBUILD_CONCURRENCY)
            .map((a) => this.restoreOne(em.fork(), a, state).catch((error: unknown) => ({ accountId: a.id, error }))),
        )),
      );
    }
    return out;
  }

  private async loadRestoreState(em: EntityManager, ids: string[], journal: BalanceJournal | undefined): Promise<RestoreState> {
    const now = new Date(this.clock.nowMs());
    const [restores, consumed, opening, pending, grants, subscriptions] = [
      (await journal?.restores(ids)) ?? new Map<string, JournalRestore>(),
      (await journal?.consumed(ids)) ?? new Map<string, number>(),
      await openingBalancesMicros(em, ids),
      await em.find(TopUp, { account: { $in: ids }, projectedAt: null }, { orderBy: { createdAt: 'asc' } }),
      await em.find(AllowanceGrant, { account: { $in: ids }, expiresAt: { $gt: now } }),
      // Only ACTIVE subscriptions are routed: a suspended or cancelled one must not charge after a rebuild.
      await em.find(Subscription, { account: { $in: ids }, status: 'ACTIVE' }, { orderBy: { id: 'asc' } }),
    ];
    return { opening, restores, consumed, pending: byAccount(pending), grants: byAccount(grants), subscriptions: byAccount(subscriptions) };
  }

  private async restoreOne(em: EntityManager, account: BillingAccount, state: RestoreState): Promise<AccountRestoreResult> {
    const grants = state.grants.get(account.id) ?? [];
    const subs = state.subscriptions.get(account.id) ?? [];
    const restore = state.restores.get(account.id);
    const opening = restore?.balanceMicros ?? state.opening.get(account.id) ?? 0n;
    const { created, topUpsFinished } = await this.accountFrom(em, account, opening, state.pending.get(account.id) ?? [], restore?.cycle);
    await Promise.all(grants.map((g) => this.grant(g, state.consumed.get(`${account.id}|${g.id}`) ?? 0)));
    await this.routes(account, subs);
    return {
      accountId: account.id,
      created,
      fromJournal: restore !== undefined,
      topUpsFinished,
      grants: grants.length,
      subscriptions: subs.length,
    };
  }

  async routes(a: BillingAccount, subs: readonly Subscription[]): Promise<void> {
    const route = subscriberRoute(a);
    await Promise.all(subs.flatMap((s) => [this.engine.routeSubscriber(s.msisdn, route), this.engine.routeSubscriber(s.imsi, route)]));
  }

  async unrouteIdentities(subscriberIds: readonly string[]): Promise<void> {
    await Promise.all(subscriberIds.map((id) => this.engine.unrouteSubscriber(id)));
  }

  async plan(planId: string, planJson: unknown): Promise<void> {
    await this.engine.putPlan(planId, JSON.stringify(planJson));
  }

  /** The grant as a bucket; one the engine lacks starts with `consumedUnits` (from the journal) used. */
  async grant(g: AllowanceGrant, consumedUnits = 0): Promise<void> {
    await this.engine.grantBucket({
      remainingUnits: Math.max(0, Math.min(g.units, g.units - consumedUnits)),
      accountId: g.account.id,
      bucketId: g.id,
      unit: g.unit,
      ratingGroups: [...g.ratingGroups],
      units: g.units,
      validFromMs: g.validFrom.getTime(),
      expiresAtMs: g.expiresAt.getTime(),
    });
  }

  /**
   * A top-up's projection: its credit (topUp); when the engine does not have the account (Redis
   * lost it) or has it CLOSED while PostgreSQL does not (a projection that did not finish), the
   * whole account instead, which recreates it at its opening balance, sets its status and credits
   * every top-up of it the engine has not confirmed, this one included.
   */
  async topUpOrAccount(em: EntityManager, t: TopUp, account: BillingAccount): Promise<void> {
    try {
      await this.topUp(em, t);
    } catch (err) {
      if (
        !(err instanceof BalanceError) ||
        (err.code !== BalanceErrorCode.ACCOUNT_NOT_FOUND && err.code !== BalanceErrorCode.ACCOUNT_CLOSED)
      )
        throw err;
      await this.account(em, account);
    }
  }

  /** Credits the top-up once (the engine dedupes by request id) and records that it did. */
  async topUp(em: EntityManager, t: TopUp): Promise<void> {
    if (t.projectedAt) return;
    await this.engine.topUp(t.account.id, `${ENGINE_TOPUP_REQUEST_PREFIX}${t.idempotencyKey}`, t.amountMicros, this.clock.nowMs());
    // The statement em.nativeUpdate(TopUp, { id, projectedAt: null }, { projectedAt }) would build, as
    // raw SQL: one statement per top-up, and the query builder cost ~4x the CPU of the statement itself.
    await em
      .getConnection()
      .execute(
        'update "top_up" set "projected_at" = ? where "id" = ? and "projected_at" is null',
        [new Date(this.clock.nowMs()), t.id],
        'run',
        em.getTransactionContext(),
      );
  }
}
