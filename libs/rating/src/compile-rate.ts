/**
 * compileRate: price plan + request context -> the CompiledRate the balance engine applies.
 *
 * Element selection: an element matches when every selector it has matches (absent = any):
 * ratingGroup, serviceId, zones (the called number's longest-prefix zone is listed), roaming
 * (equals the context's flag) and timeBands (the band in force at `atMs` in the account's time
 * zone is listed). Among matches the most specific wins, compared in this order:
 *   serviceId > ratingGroup > roaming > zones > timeBands
 * (an element with a serviceId beats any without; then one with a ratingGroup; and so on), and
 * on a tie the element listed first in the plan.
 */
import type { CompiledRate } from './compiled-rate';
import { CALLED_NUMBER_MAX_LENGTH, EPOCH_MAX_MS, RATING_GROUP_MAX, SERVICE_ID_MAX } from './limits';
import { type IndexedElement, planIndex } from './parse-price-plan';
import type { PricePlan, RateElement } from './price-plan';
import { RatingError, RatingErrorCode } from './rating-error';
import { localTimeAt, nextChangeMs, timeZoneFormatter } from './time-bands';

export interface RatingContext {
  ratingGroup: number;
  serviceId: number;
  /** Digits with an optional leading "+"; absent for data and most events. */
  calledNumber?: string;
  atMs: number;
  /** The ACCOUNT's IANA time zone: time bands are local to the subscriber's account. */
  timeZone: string;
  roaming: boolean;
}

/** The compiled rate and what was selected to build it. */
export interface RateSelection {
  rate: CompiledRate;
  element: RateElement;
  /** The band in force at `atMs`; undefined when none is, or when no candidate element depends on time bands. */
  timeBand?: string;
  /** The called number's zone (undefined without a number or without a matching prefix). */
  zone?: string;
}

const CALLED_NUMBER_PATTERN = new RegExp(`^\\+?\\d{1,${CALLED_NUMBER_MAX_LENGTH}}$`);

function checkInteger(value: unknown, max: number, path: string): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new RatingError(RatingErrorCode.INVALID_USAGE, `expected an integer from 0 to ${max}, got ${String(value)}`, path);
  }
}

/** Validates a rating context; throws INVALID_USAGE naming the field. */
export function checkRatingContext(ctx: RatingContext): void {
  checkInteger(ctx.ratingGroup, RATING_GROUP_MAX, 'ratingGroup');
  checkInteger(ctx.serviceId, SERVICE_ID_MAX, 'serviceId');
  checkInteger(ctx.atMs, EPOCH_MAX_MS, 'atMs');
  if (ctx.calledNumber !== undefined && (typeof ctx.calledNumber !== 'string' || !CALLED_NUMBER_PATTERN.test(ctx.calledNumber))) {
    throw new RatingError(
      RatingErrorCode.INVALID_USAGE,
      `expected 1 to ${CALLED_NUMBER_MAX_LENGTH} digits with an optional leading "+", got ${JSON.stringify(ctx.calledNumber)}`,
      'calledNumber',
    );
  }
  if (typeof ctx.roaming !== 'boolean') throw new RatingError(RatingErrorCode.INVALID_USAGE, 'expected a boolean', 'roaming');
  if (typeof ctx.timeZone !== 'string') throw new RatingError(RatingErrorCode.INVALID_USAGE, 'expected an IANA time zone', 'timeZone');
  timeZoneFormatter(ctx.timeZone);
}

function matchesStatically(e: RateElement, ctx: RatingContext, zone: string | undefined): boolean {
  return (
    (e.ratingGroup === undefined || e.ratingGroup === ctx.ratingGroup) &&
    (e.serviceId === undefined || e.serviceId === ctx.serviceId) &&
    (e.roaming === undefined || e.roaming === ctx.roaming) &&
    (e.zones === undefined || (zone !== undefined && e.zones.includes(zone)))
  );
}

/** The first (most specific) candidate valid in `band`. */
function pick(candidates: readonly IndexedElement[], band: string | undefined): IndexedElement | undefined {
  return candidates.find((c) => c.element.timeBands === undefined || (band !== undefined && c.element.timeBands.includes(band)));
}

function noRate(ctx: RatingContext, zone: string | undefined, band: string | undefined): RatingError {
  const where = [
    `rating group ${ctx.ratingGroup}`,
    `service ${ctx.serviceId}`,
    ctx.calledNumber === undefined ? 'no called number' : `zone ${zone ?? '(none)'}`,
    ctx.roaming ? 'roaming' : 'home',
    `time band ${band ?? '(none)'}`,
  ];
  return new RatingError(RatingErrorCode.NO_RATE, `no rate element applies to ${where.join(', ')}`);
}

/** Selects the element for `ctx` and compiles it; throws NO_RATE when nothing matches. */
export function selectRate(plan: PricePlan, ctx: RatingContext): RateSelection {
  checkRatingContext(ctx);
  const index = planIndex(plan);
  const zone = index.prefixes.zoneOf(ctx.calledNumber);
  const candidates = index.elements.filter((c) => matchesStatically(c.element, ctx, zone));
  const banded = candidates.some((c) => c.element.timeBands !== undefined);
  const local = banded ? localTimeAt(ctx.atMs, ctx.timeZone) : undefined;
  const band = local === undefined ? undefined : index.schedule.bandAt(local.minuteOfWeek);
  const chosen = pick(candidates, band);
  if (chosen === undefined) throw noRate(ctx, zone, band);
  const { pricing } = chosen;
  const rate: CompiledRate = {
    tariffId: chosen.tariffId,
    unit: pricing.unit,
    setupMicros: pricing.setupMicros,
    firstUnits: pricing.firstUnits,
    nextUnits: pricing.nextUnits,
    perUnits: pricing.perUnits,
    tiers: pricing.tiers.map((t) => ({ ...t })),
  };
  if (local !== undefined && pricing.unit === 'SECONDS') {
    const keyOf = (b: string | undefined): string => pick(candidates, b)?.tariffId ?? '';
    const changeAtMs = nextChangeMs(ctx.atMs, ctx.timeZone, index.schedule, keyOf, local);
    if (changeAtMs !== undefined) rate.tariffChangeAtMs = changeAtMs;
  }
  return { rate, element: chosen.element, timeBand: band, zone };
}

/**
 * The CompiledRate for a request. For SECONDS, `tariffChangeAtMs` is the next instant another
 * element (or none) would be selected because the time band changes; absent when that never
 * happens. BYTES and EVENTS are rated at the band in force at `atMs` and carry no change time.
 */
export function compileRate(plan: PricePlan, ctx: RatingContext): CompiledRate {
  return selectRate(plan, ctx).rate;
}
