/**
 * The circuit breakers of money going out (issue 10, section 3). A refund is HELD for four-eyes
 * approval when any of them trips; the reasons are stored with it and answered. Pure: the facts are
 * read by the caller (refunds.ts, in the request's transaction), the limits come from configuration.
 *
 * | reason             | trips when                                                                                     |
 * |--------------------|-----------------------------------------------------------------------------------------------|
 * | ALREADY_REFUNDED   | the source (payment or credit note) already has a refund that was not rejected or failed      |
 * | ALREADY_PAID       | the credit note was already partly settled another way (offset, an earlier payout)             |
 * | ABOVE_AVERAGE      | amount > REFUND_AVERAGE_LIMIT_PERCENT of the account's average receipt over six months (none: trips) |
 * | SOURCE_NOT_SETTLED | the source payment's value date is after today, or it is a direct debit the debtor's bank can still take back |
 * | ACCOUNT_IN_DUNNING | the account has an open dunning case                                                          |
 * | DAILY_CAP          | the refunds released today in the currency plus this one pass REFUND_DAILY_CAP_MINOR         |
 * | GATEWAY_ERRORS     | a card refund while the gateway's recent error rate is above REFUND_GATEWAY_ERROR_RATE_PERCENT |
 */
import { GatewayError, type PaymentGateway } from '../card/payment-gateway.port';

export const HOLD_REASONS = [
  'ALREADY_REFUNDED',
  'ALREADY_PAID',
  'ABOVE_AVERAGE',
  'SOURCE_NOT_SETTLED',
  'ACCOUNT_IN_DUNNING',
  'DAILY_CAP',
  'GATEWAY_ERRORS',
] as const;
export type HoldReason = (typeof HOLD_REASONS)[number];

/** How far back the account's average receipt is taken. */
export const REFUND_AVERAGE_MONTHS = 6;
/** Fewer gateway calls than this in the window say nothing about its health. */
export const GATEWAY_HEALTH_MIN_CALLS = 5;
/** Outcomes the gateway health keeps at most (older ones fall out first). */
export const GATEWAY_HEALTH_MAX_SAMPLES = 10_000;

export interface BreakerLimits {
  averageLimitPercent: number;
  dailyCapMinor: bigint;
  gatewayErrorRatePercent: number;
}

export interface RefundFacts {
  amountMinor: bigint;
  method: 'BANK_TRANSFER' | 'CARD';
  /** Earlier refunds of the same source that still stand (not REJECTED or FAILED). */
  earlierRefunds: number;
  /** A credit note: what was settled before this refund (its paid amount); 0 for account credit. */
  sourceAlreadyPaidMinor: bigint;
  /** The account's receipts over the last REFUND_AVERAGE_MONTHS months: how many and their sum. */
  receipts: { count: number; sumMinor: bigint };
  sourceSettled: boolean;
  inDunning: boolean;
  /** Refunds of the currency released (approved, by a breaker or a person) today, before this one. */
  releasedTodayMinor: bigint;
  /** The gateway's errors and calls in the window (card refunds only). */
  gateway: { calls: number; errors: number };
}

/** The breakers that trip for these facts, in HOLD_REASONS order; empty: the refund goes out. Pure. */
export function holdReasons(f: RefundFacts, l: BreakerLimits): HoldReason[] {
  const out: HoldReason[] = [];
  if (f.earlierRefunds > 0) out.push('ALREADY_REFUNDED');
  if (f.sourceAlreadyPaidMinor > 0n) out.push('ALREADY_PAID');
  // amount > percent/100 x sum/count, in integers: amount x count x 100 > sum x percent.
  if (f.receipts.count === 0 || f.amountMinor * BigInt(f.receipts.count) * 100n > f.receipts.sumMinor * BigInt(l.averageLimitPercent))
    out.push('ABOVE_AVERAGE');
  if (!f.sourceSettled) out.push('SOURCE_NOT_SETTLED');
  if (f.inDunning) out.push('ACCOUNT_IN_DUNNING');
  if (f.releasedTodayMinor + f.amountMinor > l.dailyCapMinor) out.push('DAILY_CAP');
  if (
    f.method === 'CARD' &&
    f.gateway.calls >= GATEWAY_HEALTH_MIN_CALLS &&
    f.gateway.errors * 100 > f.gateway.calls * l.gatewayErrorRatePercent
  )
    out.push('GATEWAY_ERRORS');
  return out;
}

/**
 * The card gateway's recent outcomes as this process saw them (every card payment, sync and refund
 * call): a sliding window of REFUND_GATEWAY_WINDOW_MS. An error is an answer that did not come
 * (timeout, unreachable, 5xx), not a decline: a declined card is the gateway working.
 */
export class GatewayHealth {
  private readonly samples: { atMs: number; error: boolean }[] = [];

  constructor(private readonly windowMs: number) {}

  record(atMs: number, error: boolean): void {
    this.samples.push({ atMs, error });
    if (this.samples.length > GATEWAY_HEALTH_MAX_SAMPLES) this.samples.splice(0, this.samples.length - GATEWAY_HEALTH_MAX_SAMPLES);
  }

  snapshot(nowMs: number): { calls: number; errors: number } {
    const since = nowMs - this.windowMs;
    let drop = 0;
    while (drop < this.samples.length && this.samples[drop].atMs < since) drop++;
    if (drop > 0) this.samples.splice(0, drop);
    return { calls: this.samples.length, errors: this.samples.filter((s) => s.error).length };
  }
}

/** The gateway with every call's outcome recorded in `health` (card payments, syncs and refunds alike). */
export function observedGateway(gateway: PaymentGateway, health: GatewayHealth, nowMs: () => number): PaymentGateway {
  const observe = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      const out = await call();
      health.record(nowMs(), false);
      return out;
    } catch (e) {
      health.record(nowMs(), e instanceof GatewayError && e.retryable);
      throw e;
    }
  };
  return {
    createIntent: (r) => observe(() => gateway.createIntent(r)),
    getIntent: (id) => observe(() => gateway.getIntent(id)),
    refund: (r) => observe(() => gateway.refund(r)),
  };
}
