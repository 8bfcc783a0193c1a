/**
 * One run of prepaid renewals: plans the current period of every renewable recurring charge (a
 * PENDING row per subscription, charge and period), then attempts the due ones through the balance
 * engine, which takes the fee and grants the period's buckets in one idempotent step. Safe to run
 * concurrently (rows are claimed with SKIP LOCKED) and to re-run after a crash anywhere: the
 * engine's renewal key replays a payment already made, and the grants are keyed too.
 */
import type { Pool } from 'pg';
import { withTransaction } from '@app/db';
import { minorToMicros } from '@app/money';
import type { Clock, Logger } from '@app/observability';
import { localDate } from '@app/rating';
import { BalanceError } from '../balance/balance.errors';
import type { BalanceEngine, BucketGrant } from '../balance/balance-engine.port';
import { renewalBucketIdOf, renewalKeyOf } from './renewal-keys';
import type { RenewalMetrics } from './renewal-metrics';
import { nextAttemptAtMs, renewalPeriodContaining } from './renewal-period';
import {
  allowanceTemplates,
  claimDue,
  insertRenewals,
  recordAttempt,
  renewableCharges,
  type AllowanceTemplate,
  type AttemptOutcome,
  type DueRenewal,
  type PlannedRenewal,
} from './renewal-store';
import {
  RENEWAL_ATTEMPT_BATCH_MAX,
  RENEWAL_ATTEMPT_BATCHES_MAX,
  RENEWAL_PLAN_PAGE_SIZE,
  RENEWAL_RECORD_MARGIN_MS,
  RENEWAL_RESULT_TEXT_MAX,
} from './renewal.limits';

export interface RenewalRunSummary {
  planned: number;
  paid: number;
  unpaid: number;
  expired: number;
  errors: number;
}

export interface RenewalDeps {
  pool: Pool;
  engine: BalanceEngine;
  clock: Clock;
  logger: Logger;
  metrics: RenewalMetrics;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export class RunDueRenewalsUseCase {
  constructor(private readonly deps: RenewalDeps) {}

  async execute(): Promise<RenewalRunSummary> {
    const nowMs = this.deps.clock.nowMs();
    const summary: RenewalRunSummary = { planned: await this.plan(nowMs), paid: 0, unpaid: 0, expired: 0, errors: 0 };
    for (let batch = 0; batch < RENEWAL_ATTEMPT_BATCHES_MAX; batch++) {
      const claimed = await withTransaction(this.deps.pool, async (c) => {
        const due = await claimDue(c, nowMs, RENEWAL_ATTEMPT_BATCH_MAX);
        const templates = await allowanceTemplates(c, [...new Set(due.map((r) => r.chargeId))]);
        for (const r of due) {
          const outcome = await this.attempt(r, templates.get(r.chargeId) ?? [], nowMs);
          this.deps.metrics.attempts.inc({ result: count(summary, outcome) });
          await recordAttempt(c, r, outcome, nowMs);
        }
        return due.length;
      });
      if (claimed < RENEWAL_ATTEMPT_BATCH_MAX) break;
    }
    this.deps.metrics.lastRun.set(nowMs / 1000);
    return summary;
  }

  /** Creates the row of the current period of every renewable charge that has none yet. */
  private async plan(nowMs: number): Promise<number> {
    let after: [string, string] = ['', ''];
    let created = 0;
    for (;;) {
      const page = await renewableCharges(this.deps.pool, after, RENEWAL_PLAN_PAGE_SIZE);
      const planned: PlannedRenewal[] = [];
      for (const ch of page) {
        if (ch.currency !== ch.accountCurrency) {
          this.deps.metrics.skipped.inc({ reason: 'currency_mismatch' });
          continue;
        }
        const d = localDate(nowMs, ch.timeZone);
        const today = `${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)}`;
        const period = renewalPeriodContaining({ activationDate: ch.activationDate, period: ch.period, today });
        if (period === undefined) continue;
        const key = renewalKeyOf({ subscriptionId: ch.subscriptionId, chargeId: ch.chargeId, periodStart: period.start });
        planned.push({
          renewalKey: key,
          subscriptionId: ch.subscriptionId,
          accountId: ch.accountId,
          chargeId: ch.chargeId,
          periodStart: period.start,
          periodEnd: period.end,
          timeZone: ch.timeZone,
          feeMicros: minorToMicros(ch.amountMinor, ch.currency),
        });
      }
      created += await insertRenewals(this.deps.pool, planned, nowMs);
      if (page.length < RENEWAL_PLAN_PAGE_SIZE) break;
      const last = page[page.length - 1];
      after = [last.subscriptionId, last.chargeId];
    }
    this.deps.metrics.planned.inc(created);
    return created;
  }

  /** One engine call: pays and grants, or answers why not. Engine errors become a failed attempt. */
  private async attempt(r: DueRenewal, templates: AllowanceTemplate[], nowMs: number): Promise<AttemptOutcome> {
    const over = nowMs >= r.periodEndMs;
    const grants = templates.map((t) => ({
      id: renewalBucketIdOf(r.renewalKey, t.id),
      template: t,
      validFromMs: r.periodStartMs,
      expiresAtMs: r.periodEndMs,
    }));
    const buckets: BucketGrant[] = grants.map((g) => ({
      accountId: r.accountId,
      bucketId: g.id,
      unit: g.template.unit,
      ratingGroups: g.template.ratingGroups,
      units: g.template.units,
      validFromMs: g.validFromMs,
      expiresAtMs: g.expiresAtMs,
    }));
    const failures = r.attempts + 1;
    try {
      const res = await this.deps.engine.renew({
        accountId: r.accountId,
        requestId: r.renewalKey,
        subscriberId: r.msisdn,
        chargeId: r.chargeId,
        feeMicros: r.feeMicros,
        nowMs,
        recordTtlMs: Math.max(r.periodEndMs - nowMs, 0) + RENEWAL_RECORD_MARGIN_MS,
        buckets,
        notifyIfUnpaid: !r.notified,
        replayOnly: over,
      });
      if (res.paid) return { kind: 'PAID', grants };
      if (res.expired) return { kind: 'FAILED', result: 'EXPIRED: the period ended unpaid', nextAttemptAtMs: null, notified: false };
      return {
        kind: 'FAILED',
        result: `UNPAID: available ${res.availableMicros} micros, fee ${r.feeMicros} micros`,
        nextAttemptAtMs: nextAttemptAtMs({ failures, nowMs, periodEndMs: r.periodEndMs }),
        notified: !r.notified,
      };
    } catch (err) {
      if (!(err instanceof BalanceError)) throw err;
      this.deps.logger.warn({ err, renewalKey: r.renewalKey }, 'renewal attempt refused by the balance engine');
      const result = err.message.slice(0, RENEWAL_RESULT_TEXT_MAX);
      return {
        kind: 'FAILED',
        result,
        nextAttemptAtMs: over ? null : nextAttemptAtMs({ failures, nowMs, periodEndMs: r.periodEndMs }),
        notified: false,
      };
    }
  }
}

/** Adds the outcome to the summary; returns its metric label. */
function count(s: RenewalRunSummary, o: AttemptOutcome): 'paid' | 'unpaid' | 'expired' | 'error' {
  if (o.kind === 'PAID') {
    s.paid++;
    return 'paid';
  }
  if (o.result.startsWith('UNPAID')) {
    s.unpaid++;
    return 'unpaid';
  }
  if (o.result.startsWith('EXPIRED')) {
    s.expired++;
    return 'expired';
  }
  s.errors++;
  return 'error';
}
