/**
 * Recurring fee lines of one charge of one subscription (MONEY-RULES.md "Recurring fees").
 * Day-based: a charge period of N months has its actual calendar days; a prorated fee is
 * round(amount x chargeable days / days of the period), rounded once.
 */
import { Decimal } from 'decimal.js';
import { ComputeError, ComputeErrorCode } from './compute-error';
import { RECURRING_FREQUENCY_MONTHS, type AdvanceBilling, type DraftLine, type LocalPeriod, type RecurringCharge } from './compute-types';
import { leafLine, roundMinor } from './line-factory';
import { addMonths, dayNumber, fromDayNumber, monthsBetween, type LocalDate } from './local-date';
import type { Timeline } from './timeline';

export interface RecurringParams {
  subscriptionId: string;
  parentLineId: string;
  productId: string;
  charge: RecurringCharge;
  timeline: Timeline;
  cycle: LocalPeriod;
  /** First day of the first charge period (QUARTERLY/ANNUAL alignment). */
  anchor: LocalDate;
  /** Advance billings of this subscription and charge whose period overlaps the cycle or later. */
  prior: AdvanceBilling[];
  /** Periods earlier invoices credited already (their days are never credited twice). */
  credited?: LocalPeriod[];
}

/** Lines for one recurring charge in one cycle: credits for unused prepaid days, stubs, the next period or the closed period. */
export function recurringFeeLines(p: RecurringParams): DraftLine[] {
  const months = RECURRING_FREQUENCY_MONTHS[p.charge.frequency];
  if (addMonths(p.cycle.start, months) < p.cycle.end) {
    throw new ComputeError(
      ComputeErrorCode.INVALID_PERIOD,
      `charge ${p.charge.id}: its ${p.charge.frequency} period is shorter than the cycle`,
    );
  }
  return p.charge.timing === 'ADVANCE' ? advanceLines(p, months) : arrearsLines(p, months);
}

/** The charge period that contains `date`, from the anchor in steps of `months`. */
export function chargePeriodContaining(anchor: LocalDate, months: number, date: LocalDate): LocalPeriod {
  let k = Math.floor(monthsBetween(anchor, date) / months);
  while (addMonths(anchor, k * months) > date) k -= 1;
  while (addMonths(anchor, (k + 1) * months) <= date) k += 1;
  return { start: addMonths(anchor, k * months), end: addMonths(anchor, (k + 1) * months) };
}

function chargeable(p: RecurringParams, day: number): boolean {
  const state = p.timeline.stateOn(day);
  if (state.productId !== p.productId) return false;
  return state.status === 'ACTIVE' || (!p.charge.prorated && state.status === 'SUSPENDED');
}

/** Gone for good on `day`: cancelled, or moved to another product. */
function lost(p: RecurringParams, day: number): boolean {
  const state = p.timeline.stateOn(day);
  return state.status === 'CANCELLED' || state.productId !== p.productId;
}

function creditedBefore(p: RecurringParams, day: number): boolean {
  return (p.credited ?? []).some((c) => dayNumber(c.start) <= day && day < dayNumber(c.end));
}

function countDays(from: number, to: number, test: (day: number) => boolean): number {
  let n = 0;
  for (let d = from; d < to; d += 1) if (test(d)) n += 1;
  return n;
}

function periodDays(period: LocalPeriod): number {
  return dayNumber(period.end) - dayNumber(period.start);
}

function fee(
  p: RecurringParams,
  kind: 'RECURRING_FEE' | 'PRORATION_CREDIT',
  period: LocalPeriod,
  days: number,
  fullDays: number,
  amount: bigint,
): DraftLine {
  const prorated = p.charge.prorated && days !== fullDays;
  return leafLine({
    lineId: `${p.parentLineId}/${kind === 'RECURRING_FEE' ? 'fee' : 'credit'}:${p.charge.id}:${period.start}..${period.end}`,
    parentLineId: p.parentLineId,
    kind,
    description: `${p.charge.description}${kind === 'PRORATION_CREDIT' ? ', unused days credited' : ''}`,
    quantity: prorated ? String(kind === 'PRORATION_CREDIT' ? -days : days) : kind === 'PRORATION_CREDIT' ? '-1' : '1',
    unit: prorated ? 'DAY' : p.charge.frequency,
    amountMinor: amount,
    taxCategory: p.charge.taxCategory,
    period,
    references: { subscriptionId: p.subscriptionId, chargeId: p.charge.id },
  });
}

function prorate(amount: bigint, days: number, fullDays: number): bigint {
  return roundMinor(new Decimal(amount.toString()).mul(days).div(fullDays));
}

function advanceLines(p: RecurringParams, months: number): DraftLine[] {
  const S = dayNumber(p.cycle.start);
  const E = dayNumber(p.cycle.end);
  const lines: DraftLine[] = [];
  // 1. Credit the prepaid days this subscription did not use: not chargeable days of the cycle,
  //    and the days after it once cancelled or moved to another product (prorated fees only).
  if (p.charge.prorated) {
    for (const b of p.prior) {
      const from = Math.max(dayNumber(b.period.start), S);
      const to = dayNumber(b.period.end);
      const isUnused = (d: number): boolean => !creditedBefore(p, d) && (d < E ? !chargeable(p, d) : lost(p, d));
      const unused = countDays(from, to, isUnused);
      if (unused > 0) {
        // The period covered runs from the first to the last unused day.
        let first = from;
        while (!isUnused(first)) first += 1;
        let last = to - 1;
        while (!isUnused(last)) last -= 1;
        const full = periodDays(b.period);
        const period = { start: fromDayNumber(first), end: fromDayNumber(last + 1) };
        lines.push(fee(p, 'PRORATION_CREDIT', period, unused, full, -prorate(b.amountMinor, unused, full)));
      }
    }
  }
  const covered = (d: number): boolean => p.prior.some((b) => dayNumber(b.period.start) <= d && d < dayNumber(b.period.end));
  // 2. The stub: chargeable days of the current charge period that no earlier invoice billed
  //    (activation or product change in mid-period, resumption after a suspension at a cycle end).
  const current = chargePeriodContaining(p.anchor, months, p.cycle.start);
  const currentFull = periodDays(current);
  const isStubDay = (d: number): boolean => !covered(d) && chargeable(p, d);
  const stubDays = countDays(S, dayNumber(current.end), isStubDay);
  if (stubDays > 0) {
    let first = S;
    while (!isStubDay(first)) first += 1;
    const amount = p.charge.prorated ? prorate(p.charge.amountMinor, stubDays, currentFull) : p.charge.amountMinor;
    lines.push(fee(p, 'RECURRING_FEE', { start: fromDayNumber(first), end: current.end }, stubDays, currentFull, amount));
  }
  // 3. The next charge period, when one starts at the cycle end and the subscription holds the product then.
  const next = chargePeriodContaining(p.anchor, months, p.cycle.end);
  if (next.start === p.cycle.end && chargeable(p, E) && !covered(E)) {
    lines.push(fee(p, 'RECURRING_FEE', next, periodDays(next), periodDays(next), p.charge.amountMinor));
  }
  return lines;
}

function arrearsLines(p: RecurringParams, months: number): DraftLine[] {
  const E = dayNumber(p.cycle.end);
  const lastDay = fromDayNumber(E - 1);
  const period = chargePeriodContaining(p.anchor, months, lastDay);
  // Billed when its period ends with the cycle, or earlier when the subscription left the product for good.
  const S = dayNumber(p.cycle.start);
  const P = dayNumber(period.start);
  const leftBefore = P < S && lost(p, S - 1) && countDays(P, S, (d) => !lost(p, d)) > 0;
  const endsNow = period.end === p.cycle.end && !leftBefore;
  const leftNow = lost(p, E - 1) && countDays(S, E, (d) => !lost(p, d)) > 0;
  if (!endsNow && !leftNow) return [];
  const full = periodDays(period);
  const to = Math.min(E, dayNumber(period.end));
  const days = countDays(P, to, (d) => chargeable(p, d));
  if (days === 0) return [];
  // The period covered runs from the first to the last chargeable day.
  let first = P;
  while (!chargeable(p, first)) first += 1;
  let last = to - 1;
  while (!chargeable(p, last)) last -= 1;
  const amount = p.charge.prorated ? prorate(p.charge.amountMinor, days, full) : p.charge.amountMinor;
  return [fee(p, 'RECURRING_FEE', { start: fromDayNumber(first), end: fromDayNumber(last + 1) }, days, full, amount)];
}
