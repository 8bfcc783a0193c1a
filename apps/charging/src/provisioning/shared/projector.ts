/**
 * Projects PostgreSQL state into the balance engine (Redis) through the BalanceEngine port. Every
 * write use case commits first, then calls one of these; when that call fails the write stays
 * committed and the client gets PROJECTION_PENDING (503) naming what to repair: the rebuild
 * (`rebuild-projection`) re-projects everything of an account, and a top-up retried with the same
 * key finishes its own projection (the engine applies a top-up once per request id).
 */
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AllowanceGrant, BillingAccount, Subscription, TopUp } from '@app/db';
import { checkAmountMicros } from '@app/money';
import { CLOCK, type Clock, LOGGER, type Logger } from '@app/observability';
import { type AccountProjection, BALANCE_ENGINE, type BalanceEngine, type CycleCounters, type SubscriberRoute } from '../../balance/balance-engine.port';
import { BalanceError, BalanceErrorCode } from '../../balance/balance.errors';
import { ENGINE_TOPUP_REQUEST_PREFIX } from '../provisioning.limits';
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

@Injectable()
export class Projector {
  constructor(
    @Inject(BALANCE_ENGINE) private readonly engine: BalanceEngine,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Runs the projection step of a committed write; a failure becomes PROJECTION_PENDING. */
  async afterCommit<T>(what: string, target: PendingTarget, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (err) {
      this.logger.error({ err, ...target, what }, 'provisioning: projection into the balance engine failed after commit');
      const { repair, ...ids } = target;
      throw new ProvisioningError(ProvisioningErrorCode.PROJECTION_PENDING, `${what} is saved but not yet applied to the balance engine; ${repair}`, ids);
    }
  }

  /**
   * Upserts the account (an account the engine lacks starts at `openingBalancesMicros`), sets its
   * status, and credits the top-ups the engine has not confirmed yet. Returns whether the engine
   * lacked the account and how many top-ups were finished.
   */
  async account(em: EntityManager, a: BillingAccount): Promise<{ created: boolean; topUpsFinished: number }> {
    const opening = (await openingBalancesMicros(em, [a.id])).get(a.id) ?? 0n;
    return this.accountFrom(em, a, opening, await this.pendingTopUps(em, a.id));
  }

  /**
   * The account's top-ups the engine has not confirmed, oldest first. The ids come from a raw query
   * (no query builder, no hydration); usually there is none, or only the top-up this request just
   * wrote, which `em` already manages. Only when one is not managed yet are they loaded as entities.
   */
  private async pendingTopUps(em: EntityManager, accountId: string): Promise<TopUp[]> {
    const rows = await em.getConnection().execute<{ id: string }[]>(
      'select "id" from "top_up" where "account_id" = ? and "projected_at" is null order by "created_at" asc',
      [accountId],
      'all',
      em.getTransactionContext(),
    );
    const managed = rows.map((r) => em.getUnitOfWork().getById<TopUp>(TopUp.name, r.id));
    if (managed.every((t): t is TopUp => t !== undefined)) return managed;
    return em.find(TopUp, { account: accountId, projectedAt: null }, { orderBy: { createdAt: 'asc' } });
  }

  /** `account` with what it reads from PostgreSQL given (the rebuild loads it for a page of accounts at once). */
  async accountFrom(em: EntityManager, a: BillingAccount, openingMicros: bigint, pending: readonly TopUp[], cycle?: CycleCounters): Promise<{ created: boolean; topUpsFinished: number }> {
    const created = (await this.engine.getBalance(a.id, this.clock.nowMs())) === undefined;
    await this.engine.upsertAccount(accountProjection(a), openingMicros, cycle);
    await this.engine.setStatus(a.id, a.status);
    for (const t of pending) await this.topUp(em, t);
    return { created, topUpsFinished: pending.length };
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
      if (!(err instanceof BalanceError) || (err.code !== BalanceErrorCode.ACCOUNT_NOT_FOUND && err.code !== BalanceErrorCode.ACCOUNT_CLOSED)) throw err;
      await this.account(em, account);
    }
  }

  /** Credits the top-up once (the engine dedupes by request id) and records that it did. */
  async topUp(em: EntityManager, t: TopUp): Promise<void> {
    if (t.projectedAt) return;
    await this.engine.topUp(t.account.id, `${ENGINE_TOPUP_REQUEST_PREFIX}${t.idempotencyKey}`, t.amountMicros, this.clock.nowMs());
    // The statement em.nativeUpdate(TopUp, { id, projectedAt: null }, { projectedAt }) would build, as
    // raw SQL: one statement per top-up, and the query builder cost ~4x the CPU of the statement itself.
    await em.getConnection().execute('update "top_up" set "projected_at" = ? where "id" = ? and "projected_at" is null', [new Date(this.clock.nowMs()), t.id], 'run', em.getTransactionContext());
  }
}
