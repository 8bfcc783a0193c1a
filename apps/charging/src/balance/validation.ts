/**
 * Input validation at the engine boundary: a request that fails here reaches no script and
 * changes nothing. Each check names the field; syntax errors are INVALID_ARGUMENT, values beyond
 * an engine limit are LIMIT_EXCEEDED.
 */
import { ACCOUNT_ID_PATTERN, SUBSCRIBER_ID_PATTERN } from '@app/events';
import type { CompiledRate } from '@app/rating';
import { BalanceError, BalanceErrorCode } from './balance.errors';
import {
  ACCOUNT_STATUSES,
  AccountProjection,
  BucketGrant,
  CycleCounters,
  EventCommand,
  AMOUNT_MAX_MICROS,
  RATING_GROUPS_PER_REQUEST_MAX,
  RENEWAL_BUCKETS_MAX,
  RenewalCommand,
  UNITS_PER_REQUEST_MAX,
  SessionCommand,
  SubscriberRoute,
} from './balance-engine.port';

/** Longest grant validity (and longest reservation life before grace). */
export const VALIDITY_MAX_MS = 24 * 60 * 60 * 1000;
/** Longest grace after validity before the engine releases a reservation itself. */
export const GRACE_MAX_MS = 60 * 60 * 1000;
/** Most tiers in one compiled rate. */
export const TIERS_PER_RATE_MAX = 16;
/** Most low-balance thresholds per account. */
export const THRESHOLDS_PER_ACCOUNT_MAX = 16;
/** Most rating groups one allowance bucket names. */
export const RATING_GROUPS_PER_BUCKET_MAX = 64;
/**
 * Most rating groups in the cycle counters an account is created with (a plan has at most 256
 * elements, @app/rating PLAN_ELEMENTS_MAX; room for plan changes within a cycle).
 */
export const CYCLE_COUNTERS_PER_ACCOUNT_MAX = 1024;
/** Largest request number, rating group and service id (Diameter Unsigned32). */
export const MAX_UNSIGNED32 = 0xffff_ffff;
/** Largest epoch-ms time the engine accepts (year 2286; keeps sums with validity exact). */
export const TIME_MAX_MS = 10_000_000_000_000;
/** Largest JSON plan stored with putPlan. */
export const PLAN_JSON_MAX_BYTES = 1_000_000;

export const ACCOUNT_ID = ACCOUNT_ID_PATTERN;
/** E.164 digits (5-15) or an IMSI (15 digits). */
export const SUBSCRIBER_ID = SUBSCRIBER_ID_PATTERN;
/** Printable ASCII without `|` (the separator of composite keys), 1-128 characters. */
export const OPAQUE_ID = /^[\x21-\x7b\x7d\x7e]{1,128}$/;
/** Tariff ids are `<planId>:<version>:<elementId>` (@app/rating), up to 64 + 11 + 64 characters. */
export const TARIFF_ID = /^[\x21-\x7b\x7d\x7e]{1,200}$/;
export const REQUEST_HASH = /^[0-9a-f]{64}$/;
export const CYCLE_ID = /^[A-Za-z0-9_.:-]{1,32}$/;
export const CURRENCY = /^[A-Z]{3}$/;
export const TIME_ZONE = /^[A-Za-z0-9_+\-/]{1,64}$/;
const UNITS = ['SECONDS', 'BYTES', 'EVENTS'] as const;

function invalid(field: string, message: string): never {
  throw new BalanceError(BalanceErrorCode.INVALID_ARGUMENT, message, field);
}

function tooLarge(field: string, message: string): never {
  throw new BalanceError(BalanceErrorCode.LIMIT_EXCEEDED, message, field);
}

export function checkPattern(field: string, value: unknown, pattern: RegExp): string {
  if (typeof value !== 'string' || !pattern.test(value)) invalid(field, `must match ${pattern.source}`);
  return value;
}

/** An integer in [min, max]; beyond max is LIMIT_EXCEEDED, anything else malformed INVALID_ARGUMENT. */
export function checkInt(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) invalid(field, 'must be an integer');
  if (value < min) invalid(field, `must be at least ${min}`);
  if (value > max) tooLarge(field, `must be at most ${max}`);
  return value;
}

export function checkMicros(field: string, value: unknown, min: bigint): bigint {
  if (typeof value !== 'bigint') invalid(field, 'must be a bigint of micros');
  if (value < min) invalid(field, `must be at least ${min}`);
  if (value > AMOUNT_MAX_MICROS) tooLarge(field, `must be at most ${AMOUNT_MAX_MICROS} micros`);
  return value;
}

function checkOneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) invalid(field, `must be one of ${allowed.join(', ')}`);
  return value as T;
}

export function checkRate(field: string, rate: CompiledRate): void {
  checkPattern(`${field}.tariffId`, rate.tariffId, TARIFF_ID);
  checkOneOf(`${field}.unit`, rate.unit, UNITS);
  checkInt(`${field}.setupMicros`, rate.setupMicros, 0, Number(AMOUNT_MAX_MICROS));
  checkInt(`${field}.firstUnits`, rate.firstUnits, 1, UNITS_PER_REQUEST_MAX);
  checkInt(`${field}.nextUnits`, rate.nextUnits, 1, UNITS_PER_REQUEST_MAX);
  checkInt(`${field}.perUnits`, rate.perUnits, 1, UNITS_PER_REQUEST_MAX);
  if (!Array.isArray(rate.tiers) || rate.tiers.length === 0) invalid(`${field}.tiers`, 'must have at least one tier');
  if (rate.tiers.length > TIERS_PER_RATE_MAX) tooLarge(`${field}.tiers`, `must have at most ${TIERS_PER_RATE_MAX} tiers`);
  rate.tiers.forEach((t, i) => {
    const from = checkInt(`${field}.tiers[${i}].fromUnits`, t.fromUnits, 0, Number.MAX_SAFE_INTEGER);
    checkInt(`${field}.tiers[${i}].priceMicros`, t.priceMicros, 0, Number(AMOUNT_MAX_MICROS));
    if (i === 0 && from !== 0) invalid(`${field}.tiers[0].fromUnits`, 'the first tier must start at 0');
    if (i > 0 && from <= rate.tiers[i - 1].fromUnits) invalid(`${field}.tiers[${i}].fromUnits`, 'tiers must be strictly ascending');
  });
  if (rate.tariffChangeAtMs !== undefined) checkInt(`${field}.tariffChangeAtMs`, rate.tariffChangeAtMs, 0, TIME_MAX_MS);
}

function checkSessionGroups(cmd: SessionCommand): void {
  const groups = cmd.ratingGroups;
  if (!Array.isArray(groups)) invalid('ratingGroups', 'must be an array');
  if (groups.length > RATING_GROUPS_PER_REQUEST_MAX) tooLarge('ratingGroups', `at most ${RATING_GROUPS_PER_REQUEST_MAX} rating groups`);
  if (groups.length === 0 && cmd.kind !== 'TERMINATE') invalid('ratingGroups', 'START and UPDATE need at least one rating group');
  const seen = new Set<number>();
  groups.forEach((g, i) => {
    const f = `ratingGroups[${i}]`;
    const rg = checkInt(`${f}.ratingGroup`, g.ratingGroup, 0, MAX_UNSIGNED32);
    if (seen.has(rg)) invalid(`${f}.ratingGroup`, 'appears twice');
    seen.add(rg);
    checkInt(`${f}.serviceId`, g.serviceId, 0, MAX_UNSIGNED32);
    checkInt(`${f}.requestedUnits`, g.requestedUnits, 0, UNITS_PER_REQUEST_MAX);
    checkInt(`${f}.usedUnits`, g.usedUnits, 0, UNITS_PER_REQUEST_MAX);
    if (cmd.kind === 'START' && g.usedUnits > 0) invalid(`${f}.usedUnits`, 'a START reports no usage');
    if (cmd.kind === 'TERMINATE' && g.requestedUnits > 0) invalid(`${f}.requestedUnits`, 'a TERMINATE asks for no units');
    if (g.rate !== undefined) checkRate(`${f}.rate`, g.rate);
  });
}

export function validateSessionCommand(cmd: SessionCommand): void {
  checkOneOf('kind', cmd.kind, ['START', 'UPDATE', 'TERMINATE'] as const);
  checkPattern('accountId', cmd.accountId, ACCOUNT_ID);
  checkPattern('subscriberId', cmd.subscriberId, SUBSCRIBER_ID);
  checkPattern('sessionId', cmd.sessionId, OPAQUE_ID);
  checkInt('requestNumber', cmd.requestNumber, 0, MAX_UNSIGNED32);
  checkPattern('requestHash', cmd.requestHash, REQUEST_HASH);
  checkInt('nowMs', cmd.nowMs, 0, TIME_MAX_MS);
  checkInt('validityMs', cmd.validityMs, 1, VALIDITY_MAX_MS);
  checkInt('graceMs', cmd.graceMs, 0, GRACE_MAX_MS);
  checkPattern('cycleId', cmd.cycleId, CYCLE_ID);
  checkSessionGroups(cmd);
}

export function validateEventCommand(cmd: EventCommand): void {
  checkOneOf('kind', cmd.kind, ['DEBIT', 'REFUND', 'CHECK'] as const);
  checkPattern('accountId', cmd.accountId, ACCOUNT_ID);
  checkPattern('subscriberId', cmd.subscriberId, SUBSCRIBER_ID);
  checkPattern('requestId', cmd.requestId, OPAQUE_ID);
  checkPattern('requestHash', cmd.requestHash, REQUEST_HASH);
  checkInt('nowMs', cmd.nowMs, 0, TIME_MAX_MS);
  checkPattern('cycleId', cmd.cycleId, CYCLE_ID);
  checkInt('ratingGroup', cmd.ratingGroup, 0, MAX_UNSIGNED32);
  checkInt('serviceId', cmd.serviceId, 0, MAX_UNSIGNED32);
  if (cmd.kind === 'REFUND') {
    checkPattern('refundOfRequestId', cmd.refundOfRequestId, OPAQUE_ID);
    if (cmd.refundOfRequestId === cmd.requestId) invalid('refundOfRequestId', 'a request cannot refund itself');
    return;
  }
  checkInt('units', cmd.units, 1, UNITS_PER_REQUEST_MAX);
  if (cmd.rate !== undefined) checkRate('rate', cmd.rate);
}

export function validateCycleCounters(c: CycleCounters): void {
  if (typeof c !== 'object' || c === null) invalid('cycle', 'must be an object');
  checkPattern('cycle.cycleId', c.cycleId, CYCLE_ID);
  if (!Array.isArray(c.units)) invalid('cycle.units', 'must be an array');
  if (c.units.length > CYCLE_COUNTERS_PER_ACCOUNT_MAX) tooLarge('cycle.units', `at most ${CYCLE_COUNTERS_PER_ACCOUNT_MAX} rating groups`);
  const seen = new Set<number>();
  c.units.forEach((u, i) => {
    const f = `cycle.units[${i}]`;
    if (typeof u !== 'object' || u === null) invalid(f, 'must be an object');
    const rg = checkInt(`${f}.ratingGroup`, u.ratingGroup, 0, MAX_UNSIGNED32);
    if (seen.has(rg)) invalid(`${f}.ratingGroup`, 'appears twice');
    seen.add(rg);
    checkInt(`${f}.units`, u.units, 0, Number.MAX_SAFE_INTEGER);
  });
}

export function validateAccount(p: AccountProjection, initialBalanceMicros: bigint, cycle?: CycleCounters): void {
  checkPattern('accountId', p.accountId, ACCOUNT_ID);
  const type = checkOneOf('type', p.type, ['PREPAID', 'POSTPAID'] as const);
  checkPattern('currency', p.currency, CURRENCY);
  checkMicros('creditLimitMicros', p.creditLimitMicros, 0n);
  if (type === 'PREPAID' && p.creditLimitMicros !== 0n) invalid('creditLimitMicros', 'a prepaid account has no credit limit');
  if (!Array.isArray(p.thresholdsMicros)) invalid('thresholdsMicros', 'must be an array');
  if (p.thresholdsMicros.length > THRESHOLDS_PER_ACCOUNT_MAX) tooLarge('thresholdsMicros', `at most ${THRESHOLDS_PER_ACCOUNT_MAX}`);
  p.thresholdsMicros.forEach((t, i) => checkMicros(`thresholdsMicros[${i}]`, t, -AMOUNT_MAX_MICROS));
  checkOneOf('status', p.status, ACCOUNT_STATUSES);
  checkPattern('timeZone', p.timeZone, TIME_ZONE);
  checkPattern('planId', p.planId, OPAQUE_ID);
  checkInt('cycleDay', p.cycleDay, 1, 28);
  // May be negative: provisioning derives it from the ledger (adjustments, a rebuilt postpaid debt).
  checkMicros('initialBalanceMicros', initialBalanceMicros, -AMOUNT_MAX_MICROS);
  if (cycle !== undefined) validateCycleCounters(cycle);
}

export function validateBucket(g: BucketGrant): void {
  checkPattern('accountId', g.accountId, ACCOUNT_ID);
  checkPattern('bucketId', g.bucketId, OPAQUE_ID);
  checkOneOf('unit', g.unit, UNITS);
  if (!Array.isArray(g.ratingGroups)) invalid('ratingGroups', 'must be an array');
  if (g.ratingGroups.length > RATING_GROUPS_PER_BUCKET_MAX) tooLarge('ratingGroups', `at most ${RATING_GROUPS_PER_BUCKET_MAX}`);
  g.ratingGroups.forEach((rg, i) => checkInt(`ratingGroups[${i}]`, rg, 0, MAX_UNSIGNED32));
  const units = checkInt('units', g.units, 1, UNITS_PER_REQUEST_MAX);
  if (g.remainingUnits !== undefined) {
    if (checkInt('remainingUnits', g.remainingUnits, 0, UNITS_PER_REQUEST_MAX) > units) invalid('remainingUnits', 'must be at most units');
  }
  const from = checkInt('validFromMs', g.validFromMs, 0, TIME_MAX_MS);
  const until = checkInt('expiresAtMs', g.expiresAtMs, 0, TIME_MAX_MS);
  if (until <= from) invalid('expiresAtMs', 'must be after validFromMs');
}

export function validateRenewal(cmd: RenewalCommand): void {
  checkPattern('accountId', cmd.accountId, ACCOUNT_ID);
  checkPattern('requestId', cmd.requestId, OPAQUE_ID);
  checkPattern('subscriberId', cmd.subscriberId, SUBSCRIBER_ID);
  checkPattern('chargeId', cmd.chargeId, OPAQUE_ID);
  checkMicros('feeMicros', cmd.feeMicros, 0n);
  checkInt('nowMs', cmd.nowMs, 0, TIME_MAX_MS);
  checkInt('recordTtlMs', cmd.recordTtlMs, 1, TIME_MAX_MS);
  if (cmd.buckets.length > RENEWAL_BUCKETS_MAX) tooLarge('buckets', `at most ${RENEWAL_BUCKETS_MAX}`);
  for (const b of cmd.buckets) {
    validateBucket(b);
    if (b.accountId !== cmd.accountId) invalid('buckets', 'must be buckets of the renewed account');
    if (b.remainingUnits !== undefined) invalid('buckets', 'a renewed bucket starts full (no remainingUnits)');
  }
}

export function validateRoute(subscriberId: string, r: SubscriberRoute): void {
  checkPattern('subscriberId', subscriberId, SUBSCRIBER_ID);
  checkPattern('accountId', r.accountId, ACCOUNT_ID);
  checkPattern('planId', r.planId, OPAQUE_ID);
  checkPattern('timeZone', r.timeZone, TIME_ZONE);
  checkPattern('currency', r.currency, CURRENCY);
  checkInt('cycleDay', r.cycleDay, 1, 28);
}
