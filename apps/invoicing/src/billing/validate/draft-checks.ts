/**
 * The anomaly checks of VALIDATE: what an operator wants a person to look at before a draft gets a
 * number. Pure functions over facts the phase gathers in bulk (the drafts, the account's recent
 * invoices, the run's daily usage counts); a flagged draft is HELD with every reason found, and the
 * rest of the run goes on. Thresholds are configuration (ValidationLimits), with the defaults below.
 *
 * Per draft:
 *   - TOTALS_INCONSISTENT    lines do not sum to the net, the tax summary not to the tax, or net + tax != gross;
 *   - USAGE_SPIKE            usage above `usageSpikeFactor` x the median usage of the account's last
 *                            invoices (at most HISTORY_INVOICES_MAX; none when there is no history);
 *   - ZERO_TOTAL_ACTIVE      a zero total while a subscription was active in the period;
 *   - STALE_USAGE_DATA       a day of the period with an active subscription on which the whole
 *                            system stored next to no usage against its median day (the pipeline
 *                            stalled; the invoice would be short), see staleUsageDays;
 *   - FIRST_INVOICE_ABOVE    an account's first invoice above `firstInvoiceMaxMinor`.
 * Per run:
 *   - RUN_COUNT_MOVED / RUN_REVENUE_MOVED: the run's document count or revenue moved by more than
 *     `runMovementMaxShare` from the previous cycle's; recorded on the run and in its report.
 */
import Decimal from 'decimal.js';

export const HOLD_REASONS = [
  'TOTALS_INCONSISTENT',
  'USAGE_SPIKE',
  'ZERO_TOTAL_ACTIVE',
  'STALE_USAGE_DATA',
  'FIRST_INVOICE_ABOVE',
  'MANUAL_REVIEW',
] as const;
export type HoldReasonCode = (typeof HOLD_REASONS)[number];

export const RUN_ANOMALIES = ['RUN_COUNT_MOVED', 'RUN_REVENUE_MOVED'] as const;
export type RunAnomalyCode = (typeof RUN_ANOMALIES)[number];

/** Invoices of an account's history the spike check takes the median of. */
export const HISTORY_INVOICES_MAX = 6;
export const USAGE_SPIKE_FACTOR_DEFAULT = '2';
/** A first invoice above this (minor units) is held; the default suits a currency with cents (1,000.00). */
export const FIRST_INVOICE_MAX_MINOR_DEFAULT = 100_000n;
export const RUN_MOVEMENT_MAX_SHARE_DEFAULT = '0.25';
/** Days listed in one STALE_USAGE_DATA reason at most (the count is always given). */
export const STALE_DAYS_LISTED_MAX = 10;

export interface ValidationLimits {
  /** Decimal string > 1. */
  usageSpikeFactor: string;
  firstInvoiceMaxMinor: bigint;
  /** Decimal string in (0, 1]: the share of the previous cycle's figure a run may move by. */
  runMovementMaxShare: string;
}

export const VALIDATION_LIMITS_DEFAULT: ValidationLimits = {
  usageSpikeFactor: USAGE_SPIKE_FACTOR_DEFAULT,
  firstInvoiceMaxMinor: FIRST_INVOICE_MAX_MINOR_DEFAULT,
  runMovementMaxShare: RUN_MOVEMENT_MAX_SHARE_DEFAULT,
};

export interface HoldReason {
  code: HoldReasonCode;
  /** For a person: what was found, with the figures. */
  detail: string;
}

export interface DraftFacts {
  netMinor: bigint;
  taxMinor: bigint;
  grossMinor: bigint;
  /** Sum of the draft's top-level line amounts (net). */
  linesNetMinor: bigint;
  /** Sum of the draft's tax summary rows. */
  taxSummaryMinor: bigint;
  usageMinor: bigint;
  /** Usage (minor units) of the account's previous invoices, newest first; only the first HISTORY_INVOICES_MAX count. */
  previousUsageMinor: readonly bigint[];
  /** Whether this is the account's first invoice. */
  firstInvoice: boolean;
  /** Local days (YYYY-MM-DD) of the period on which at least one subscription of the account was active. */
  activeDays: readonly string[];
}

export interface RunFacts {
  documents: number;
  revenueMinor: bigint;
}

/** The median of the history (the mean of the two middle values for an even count, kept exact). */
export function medianOf(values: readonly bigint[]): Decimal | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? new Decimal(sorted[mid].toString())
    : new Decimal(sorted[mid - 1].toString()).plus(sorted[mid].toString()).div(2);
}

/** Every reason to hold the draft; empty when it may be finalized as is. */
export function checkDraft(
  d: DraftFacts,
  staleDays: ReadonlySet<string>,
  limits: ValidationLimits = VALIDATION_LIMITS_DEFAULT,
): HoldReason[] {
  const reasons: HoldReason[] = [];
  const totals: string[] = [];
  if (d.linesNetMinor !== d.netMinor) totals.push(`lines sum to ${d.linesNetMinor}, net is ${d.netMinor}`);
  if (d.taxSummaryMinor !== d.taxMinor) totals.push(`tax summary sums to ${d.taxSummaryMinor}, tax is ${d.taxMinor}`);
  if (d.netMinor + d.taxMinor !== d.grossMinor) totals.push(`net ${d.netMinor} + tax ${d.taxMinor} != gross ${d.grossMinor}`);
  if (totals.length > 0) reasons.push({ code: 'TOTALS_INCONSISTENT', detail: totals.join('; ') });

  const median = medianOf(d.previousUsageMinor.slice(0, HISTORY_INVOICES_MAX));
  if (median !== null && median.gt(0)) {
    const bound = median.times(limits.usageSpikeFactor);
    if (new Decimal(d.usageMinor.toString()).gt(bound))
      reasons.push({
        code: 'USAGE_SPIKE',
        detail: `usage ${d.usageMinor} is above ${limits.usageSpikeFactor} x the median ${median.toFixed()} of the last ${Math.min(d.previousUsageMinor.length, HISTORY_INVOICES_MAX)} invoices`,
      });
  }

  if (d.grossMinor === 0n && d.activeDays.length > 0)
    reasons.push({ code: 'ZERO_TOTAL_ACTIVE', detail: `total is zero with a subscription active on ${d.activeDays.length} day(s)` });

  const stale = d.activeDays.filter((day) => staleDays.has(day)).sort();
  if (stale.length > 0) {
    const listed = stale.slice(0, STALE_DAYS_LISTED_MAX).join(', ');
    reasons.push({
      code: 'STALE_USAGE_DATA',
      detail: `no usage stored for ${stale.length} day(s) with an active subscription: ${listed}${stale.length > STALE_DAYS_LISTED_MAX ? ', ...' : ''}`,
    });
  }

  if (d.firstInvoice && d.grossMinor > limits.firstInvoiceMaxMinor)
    reasons.push({ code: 'FIRST_INVOICE_ABOVE', detail: `first invoice of ${d.grossMinor} is above ${limits.firstInvoiceMaxMinor}` });
  return reasons;
}

/** A period's daily event counts give a baseline only from this median up (a small system has none). */
export const STALE_BASELINE_MIN_EVENTS = 1_000n;
/** A day with fewer events than this share of the median day is a day the pipeline lost (1 %). */
export const STALE_DAY_SHARE_MAX = '0.01';

/**
 * The days of a period on which the system stored (next to) no usage: fewer events than
 * STALE_DAY_SHARE_MAX of the median day of the period. Only with a baseline: when the median day
 * has fewer than `baselineMin` events (a small or new system) nothing is called stale.
 */
export function staleUsageDays(
  periodDays: readonly string[],
  eventsPerDay: ReadonlyMap<string, bigint>,
  baselineMin: bigint = STALE_BASELINE_MIN_EVENTS,
): Set<string> {
  const counts = periodDays.map((d) => eventsPerDay.get(d) ?? 0n);
  const median = medianOf(counts);
  if (median === null || median.lt(baselineMin.toString())) return new Set();
  const floor = median.times(STALE_DAY_SHARE_MAX);
  return new Set(periodDays.filter((d, i) => new Decimal(counts[i].toString()).lt(floor)));
}

export interface RunAnomaly {
  code: RunAnomalyCode;
  detail: string;
}

/** The run against the previous cycle's; nothing when there is no previous cycle. */
export function checkRun(current: RunFacts, previous: RunFacts | null, limits: ValidationLimits = VALIDATION_LIMITS_DEFAULT): RunAnomaly[] {
  if (previous === null) return [];
  const out: RunAnomaly[] = [];
  const moved = (now: Decimal, before: Decimal) =>
    before.isZero() ? !now.isZero() : now.minus(before).abs().div(before).gt(limits.runMovementMaxShare);
  const share = (now: Decimal, before: Decimal) =>
    before.isZero() ? 'from zero' : `${now.minus(before).div(before).times(100).toFixed(1)} %`;
  const [n, pn] = [new Decimal(current.documents), new Decimal(previous.documents)];
  if (moved(n, pn))
    out.push({
      code: 'RUN_COUNT_MOVED',
      detail: `${current.documents} documents against ${previous.documents} last cycle (${share(n, pn)})`,
    });
  const [r, pr] = [new Decimal(current.revenueMinor.toString()), new Decimal(previous.revenueMinor.toString())];
  if (moved(r, pr))
    out.push({
      code: 'RUN_REVENUE_MOVED',
      detail: `revenue ${current.revenueMinor} against ${previous.revenueMinor} last cycle (${share(r, pr)})`,
    });
  return out;
}

/** Validates operator-given limits (configuration): a precise message naming the bad one. */
export function assertValidationLimits(l: ValidationLimits): void {
  const dec = (v: string) => (/^[0-9]+(\.[0-9]+)?$/.test(v) ? new Decimal(v) : null);
  const factor = dec(l.usageSpikeFactor);
  if (!factor || factor.lte(1)) throw new RangeError('usageSpikeFactor: a decimal above 1');
  const share = dec(l.runMovementMaxShare);
  if (!share || share.lte(0) || share.gt(1)) throw new RangeError('runMovementMaxShare: a decimal in (0, 1]');
  if (l.firstInvoiceMaxMinor < 0n) throw new RangeError('firstInvoiceMaxMinor: not negative');
}
