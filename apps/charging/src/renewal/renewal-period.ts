/**
 * When a prepaid subscription's recurring charge renews (pure): periods are anchored on the
 * subscription's activation date in the account's time zone and last the charge's period
 * (MONTHLY 1, QUARTERLY 3, ANNUAL 12 months). A period starts on the activation's day of month, or
 * on the month's last day when it is shorter (activated on 31 January: 28/29 February, 31 March,
 * 30 April...), at local midnight. Dates are ISO `YYYY-MM-DD` local dates.
 */
import type { ChargePeriod } from '@app/db';
import { RENEWAL_RETRY_DELAYS_MS } from './renewal.limits';

export const PERIOD_MONTHS: Readonly<Record<ChargePeriod, number>> = { MONTHLY: 1, QUARTERLY: 3, ANNUAL: 12 };

export interface RenewalPeriod {
  /** First local date of the period. */
  start: string;
  /** First local date after it. */
  end: string;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function parse(date: string): [number, number, number] {
  const m = ISO_DATE.exec(date);
  if (m === null) throw new RangeError(`not an ISO date: ${date}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** The anchor moved by `months`, its day clamped to the target month's last day. */
function shiftMonths(anchor: string, months: number): string {
  const [y, m, d] = parse(anchor);
  const first = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  return new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), Math.min(d, last))).toISOString().slice(0, 10);
}

/** The renewal period that contains `today`, or undefined before the activation date. */
export function renewalPeriodContaining(p: { activationDate: string; period: ChargePeriod; today: string }): RenewalPeriod | undefined {
  const [ay, am] = parse(p.activationDate);
  const [ty, tm] = parse(p.today);
  if (p.today < p.activationDate) return undefined;
  const n = PERIOD_MONTHS[p.period];
  let k = Math.floor(((ty - ay) * 12 + (tm - am)) / n);
  if (shiftMonths(p.activationDate, k * n) > p.today) k--;
  return { start: shiftMonths(p.activationDate, k * n), end: shiftMonths(p.activationDate, (k + 1) * n) };
}

/**
 * When to try a renewal again after its `failures`-th failed attempt: the schedule's delay, but
 * never after the period's end, when one last attempt only records a payment already made.
 */
export function nextAttemptAtMs(p: { failures: number; nowMs: number; periodEndMs: number }): number {
  const delays = RENEWAL_RETRY_DELAYS_MS;
  const delay = delays[Math.min(Math.max(p.failures, 1), delays.length) - 1];
  return Math.min(p.nowMs + delay, p.periodEndMs);
}
