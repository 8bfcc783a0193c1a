/**
 * Offline (CDR) rating of one usage record.
 *
 * SECONDS usage is split where the tariff changes (a call from peak into off-peak): each used
 * second is rated by the element in force when that second starts. Increments and the setup fee
 * come from the element in force when the call starts: the increments are applied to the WHOLE
 * call first (billableUnits of the total), the used seconds are then laid out in time order over
 * the segments, and the round-up (billable - used) is added to the LAST segment. Tier usage
 * accumulates across segments in time order, from `cycleUsedBefore`.
 *
 * Rounding: one per rated charge. The exact (rational) usage price of all segments is summed
 * and rounded once, half up; each segment's `amountMicros` is the difference of the rounded
 * running totals, so the segments add up exactly to the usage price. The setup fee is whole
 * micros already and is added after rounding (as the engine does).
 *
 * BYTES and EVENTS are rated as one segment at `startMs`.
 */
import { divRoundHalfUp, AMOUNT_MAX_MICROS } from '@app/money';
import { type RateSelection, type RatingContext, selectRate } from './compile-rate';
import { EPOCH_MAX_MS, USAGE_SEGMENTS_MAX, USAGE_UNITS_MAX } from './limits';
import type { PricePlan } from './price-plan';
import { billableUnits, tieredNumerator } from './pricing';
import { RatingError, RatingErrorCode } from './rating-error';

export interface UsageRecord {
  ratingGroup: number;
  serviceId: number;
  calledNumber?: string;
  /** When usage began, epoch ms. */
  startMs: number;
  /** Used units (seconds, bytes or events), before increments. */
  units: number;
  /** The account's IANA time zone. */
  timeZone: string;
  roaming: boolean;
  /** Billable units of this rating group already used in the billing cycle (tiers). */
  cycleUsedBefore: number;
  /** Whether this record pays the setup fee (default true; false for follow-up partial records). */
  setupDue?: boolean;
}

export interface RatedSegment {
  tariffId: string;
  /** The band the segment was rated in, when its element depends on time bands. */
  timeBand?: string;
  startMs: number;
  usedUnits: number;
  billableUnits: number;
  amountMicros: bigint;
}

export interface RatedUsage {
  currency: string;
  usedUnits: number;
  billableUnits: number;
  setupMicros: bigint;
  /** Setup fee + usage price: what the record costs. */
  amountMicros: bigint;
  /** `cycleUsedBefore + billableUnits`. */
  cycleUsedAfter: number;
  segments: RatedSegment[];
  /** Distinct tariff ids of the segments, in time order. */
  tariffIds: string[];
}

interface Piece {
  selection: RateSelection;
  startMs: number;
  used: number;
}

function checkRecord(record: UsageRecord): void {
  const check = (value: unknown, max: number, path: string): void => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) {
      throw new RatingError(RatingErrorCode.INVALID_USAGE, `expected an integer from 0 to ${max}, got ${String(value)}`, path);
    }
  };
  check(record.units, USAGE_UNITS_MAX, 'units');
  check(record.cycleUsedBefore, Number.MAX_SAFE_INTEGER - USAGE_UNITS_MAX * 2, 'cycleUsedBefore');
  check(record.startMs, EPOCH_MAX_MS, 'startMs');
}

function contextAt(record: UsageRecord, atMs: number): RatingContext {
  const { ratingGroup, serviceId, calledNumber, timeZone, roaming } = record;
  return { ratingGroup, serviceId, calledNumber, timeZone, roaming, atMs };
}

/** Splits used seconds where the tariff changes; each second belongs to the tariff in force when it starts. */
function splitSeconds(plan: PricePlan, record: UsageRecord, first: RateSelection): Piece[] {
  if (record.startMs + record.units * 1000 > EPOCH_MAX_MS) {
    throw new RatingError(RatingErrorCode.INVALID_USAGE, `the call would end after ${EPOCH_MAX_MS} (epoch ms)`, 'units');
  }
  const pieces: Piece[] = [];
  let selection = first;
  let consumed = 0;
  for (;;) {
    const changeAtMs = selection.rate.tariffChangeAtMs;
    // Seconds starting before the change; exact: the operands are integers far below 2^53 / 1000.
    const through = changeAtMs === undefined ? record.units : Math.min(record.units, Math.ceil((changeAtMs - record.startMs) / 1000));
    pieces.push({ selection, startMs: record.startMs + consumed * 1000, used: through - consumed });
    consumed = through;
    if (consumed >= record.units) return pieces;
    if (pieces.length >= USAGE_SEGMENTS_MAX) {
      throw new RatingError(RatingErrorCode.INVALID_USAGE, `the call crosses more than ${USAGE_SEGMENTS_MAX} tariff changes`, 'units');
    }
    selection = selectRate(plan, contextAt(record, record.startMs + consumed * 1000));
    if (selection.rate.unit !== 'SECONDS') {
      throw new RatingError(
        RatingErrorCode.INVALID_PLAN,
        `${selection.rate.tariffId} rates ${selection.rate.unit}, not the call's SECONDS`,
      );
    }
  }
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** Prices the pieces (billable units given) with one rounding of the exact sum; returns the segments. */
function priceSegments(pieces: readonly Piece[], billable: readonly number[], cycleUsedBefore: number): RatedSegment[] {
  let numerator = 0n;
  let denominator = 1n;
  let roundedSoFar = 0n;
  let cycle = BigInt(cycleUsedBefore);
  return pieces.map((piece, i): RatedSegment => {
    const { rate, timeBand } = piece.selection;
    const per = BigInt(rate.perUnits);
    numerator = numerator * per + tieredNumerator(rate.tiers, BigInt(billable[i]), cycle) * denominator;
    denominator *= per;
    const common = gcd(numerator, denominator);
    numerator /= common;
    denominator /= common;
    const rounded = divRoundHalfUp(numerator, denominator);
    const amountMicros = rounded - roundedSoFar;
    roundedSoFar = rounded;
    cycle += BigInt(billable[i]);
    const segment: RatedSegment = {
      tariffId: rate.tariffId,
      startMs: piece.startMs,
      usedUnits: piece.used,
      billableUnits: billable[i],
      amountMicros,
    };
    if (timeBand !== undefined) segment.timeBand = timeBand;
    return segment;
  });
}

/** Rates one usage record (see the file header for splitting, increments and rounding). */
export function rateUsage(plan: PricePlan, record: UsageRecord): RatedUsage {
  checkRecord(record);
  const first = selectRate(plan, contextAt(record, record.startMs));
  const pieces =
    first.rate.unit === 'SECONDS' && record.units > 0
      ? splitSeconds(plan, record, first)
      : [{ selection: first, startMs: record.startMs, used: record.units }];
  const totalBillable = billableUnits(record.units, first.rate.firstUnits, first.rate.nextUnits);
  const billable = pieces.map((p, i) => (i === pieces.length - 1 ? p.used + totalBillable - record.units : p.used));
  const segments = priceSegments(pieces, billable, record.cycleUsedBefore);
  const usageMicros = segments.reduce((sum, s) => sum + s.amountMicros, 0n);
  const setupMicros = record.units > 0 && record.setupDue !== false ? BigInt(first.rate.setupMicros) : 0n;
  const amountMicros = setupMicros + usageMicros;
  if (amountMicros > AMOUNT_MAX_MICROS) {
    throw new RatingError(RatingErrorCode.OUT_OF_RANGE, `${amountMicros} micros is beyond the engine limit of ${AMOUNT_MAX_MICROS}`);
  }
  return {
    currency: plan.currency,
    usedUnits: record.units,
    billableUnits: totalBillable,
    setupMicros,
    amountMicros,
    cycleUsedAfter: record.cycleUsedBefore + totalBillable,
    segments,
    tariffIds: [...new Set(segments.map((s) => s.tariffId))],
  };
}
