/**
 * The balance engine's port: what the gRPC gateway, provisioning and the expiry sweeper call.
 * Implemented by RedisBalanceEngine (one atomic Lua script call per request). See
 * apps/charging/README.md "Balance engine" for the key layout and the rules.
 *
 * Money is bigint micros in TypeScript; units are plain integers bounded by UNITS_PER_REQUEST_MAX.
 */
import type { SubscriberRoute } from '@app/keyspace';
import type { CompiledRate, UsageUnit } from '@app/rating';

export const BALANCE_ENGINE = Symbol('BALANCE_ENGINE');

/** Largest amount the engine holds exactly: Lua numbers are IEEE doubles (2^53 - 1 micros ≈ 9.007e9 currency units). */
export { AMOUNT_MAX_MICROS } from '@app/money';
/** Largest number of units one request may ask for or report (10 TB of data, 115 days of seconds). */
export const UNITS_PER_REQUEST_MAX = 10_000_000_000_000;
/** Largest number of rating groups in one request. */
export const RATING_GROUPS_PER_REQUEST_MAX = 16;
/** How long answers are kept for idempotent retries. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export type ResultCode =
  | 'SUCCESS' // 2001
  | 'CREDIT_LIMIT_REACHED' // 4012
  | 'END_USER_SERVICE_DENIED' // 4010: account barred or closed, or soft-barred and the rate is not free
  | 'USER_UNKNOWN' // 5030
  | 'RATING_FAILED' // 5031: no rate for this rating group / destination
  | 'UNKNOWN_SESSION' // 5002: update/terminate of a session the engine does not know
  | 'NOT_FOUND'; // refund of an event the engine does not know

export type FinalUnitAction = 'NONE' | 'TERMINATE';

export interface RatingGroupRequest {
  ratingGroup: number;
  serviceId: number;
  /** Units asked for (reserve); 0 when only reporting. */
  requestedUnits: number;
  /** Units used since the previous report (update/terminate); 0 at start. */
  usedUnits: number;
  /** Compiled rate; absent when rating failed for this group (it then gets RATING_FAILED). */
  rate?: CompiledRate;
}

export interface SessionCommand {
  kind: 'START' | 'UPDATE' | 'TERMINATE';
  accountId: string;
  subscriberId: string;
  sessionId: string;
  requestNumber: number;
  /** sha256 hex of the canonical request; a retry with another hash is rejected. */
  requestHash: string;
  nowMs: number;
  /** How long a grant is valid; the reservation is released by the engine after validity + grace. */
  validityMs: number;
  graceMs: number;
  /** Billing cycle id (for example "2026-11"); tier usage counters reset when it changes. */
  cycleId: string;
  ratingGroups: RatingGroupRequest[];
}

export interface RatingGroupResult {
  ratingGroup: number;
  resultCode: ResultCode;
  unit: UsageUnit | 'MONEY';
  grantedUnits: number;
  validityMs: number;
  finalUnitAction: FinalUnitAction;
  /** Reserved money for the grant (what the allowances do not cover). */
  reservedMicros: bigint;
  /** Committed with this request: billable units, units paid by allowances, money. */
  debitedUnits: number;
  allowanceUnits: number;
  debitedMicros: bigint;
}

export interface SessionResult {
  resultCode: ResultCode;
  ratingGroups: RatingGroupResult[];
  balanceMicros: bigint;
  /** True when this is the stored answer of an earlier identical request. */
  replayed: boolean;
}

export interface EventCommand {
  kind: 'DEBIT' | 'REFUND' | 'CHECK';
  accountId: string;
  subscriberId: string;
  requestId: string;
  requestHash: string;
  nowMs: number;
  cycleId: string;
  ratingGroup: number;
  serviceId: number;
  units: number;
  rate?: CompiledRate;
  /** For REFUND: the requestId of the debit being refunded. */
  refundOfRequestId?: string;
}

export interface EventResult {
  resultCode: ResultCode;
  debitedMicros: bigint; // negative for a refund
  allowanceUnits: number;
  balanceMicros: bigint;
  replayed: boolean;
}

export type AccountType = 'PREPAID' | 'POSTPAID';
/**
 * ACTIVE: every service. SOFT_BARRED (outgoing barred, dunning's soft bar): only services whose rate
 * is free. BARRED: none until unbarred. CLOSED: none, for good. Refunds, top-ups and the commit of
 * units already granted pass in every status.
 */
export const ACCOUNT_STATUSES = ['ACTIVE', 'SOFT_BARRED', 'BARRED', 'CLOSED'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

export interface AccountProjection {
  accountId: string;
  type: AccountType;
  currency: string;
  creditLimitMicros: bigint;
  /** Low-balance thresholds; crossing one downward emits one notification. */
  thresholdsMicros: bigint[];
  status: AccountStatus;
  timeZone: string;
  planId: string;
  cycleDay: number;
}

export interface BucketGrant {
  accountId: string;
  bucketId: string;
  unit: UsageUnit;
  /** Rating groups the allowance pays for; empty = every rating group of that unit. */
  ratingGroups: number[];
  units: number;
  /**
   * Units left when the bucket is created (0 <= remainingUnits <= units; absent = units): a
   * bucket restored with what it had left. Ignored when the bucket exists (it keeps its own).
   */
  remainingUnits?: number;
  validFromMs: number;
  expiresAtMs: number;
}

/**
 * The tier counters of one billing cycle (the `cyc` hash): per rating group, the units charged with
 * money in cycle `cycleId`. Used to recreate an account with its tier position.
 */
export interface CycleCounters {
  cycleId: string;
  units: ReadonlyArray<{ ratingGroup: number; units: number }>;
}

/** Most allowance buckets one renewal grants. */
export const RENEWAL_BUCKETS_MAX = 16;

/**
 * One period of a prepaid subscription's recurring fee (src/renewal): `requestId` is the renewal key,
 * so the fee is taken and the buckets granted once, atomically, however often it is called.
 */
export interface RenewalCommand {
  accountId: string;
  /** The renewal key: subscription, charge and period start. */
  requestId: string;
  /** MSISDN of the subscription (in the DEBIT event and the notification). */
  subscriberId: string;
  /** The product charge paid (the DEBIT event's tariffId). */
  chargeId: string;
  feeMicros: bigint;
  nowMs: number;
  /** How long the paid renewal's answer is kept (a retry within it replays). */
  recordTtlMs: number;
  /** Granted with the fee, each idempotent by its bucketId (`accountId` must be the command's). */
  buckets: BucketGrant[];
  /** Write a RENEWAL_FAILED notification if the fee cannot be paid. */
  notifyIfUnpaid: boolean;
  /** The period is over: only answer a payment already made (`expired` otherwise), never pay now. */
  replayOnly: boolean;
}

export type RenewalResult =
  | { paid: true; balanceMicros: bigint; replayed: boolean }
  /** Nothing changed: the available funds (or a barred account) could not pay the fee. */
  | { paid: false; expired: false; availableMicros: bigint }
  /** replayOnly and never paid. */
  | { paid: false; expired: true };

export interface BucketView {
  bucketId: string;
  unit: UsageUnit;
  ratingGroups: number[];
  totalUnits: number;
  remainingUnits: number;
  reservedUnits: number;
  validFromMs: number;
  expiresAtMs: number;
}

export interface ReservationView {
  sessionId: string;
  ratingGroup: number;
  units: number;
  reservedMicros: bigint;
  expiresAtMs: number;
}

export interface BalanceView {
  accountId: string;
  type: AccountType;
  status: AccountStatus;
  currency: string;
  balanceMicros: bigint;
  reservedMicros: bigint;
  creditLimitMicros: bigint;
  /** balance - reserved + creditLimit (postpaid) */
  availableMicros: bigint;
  buckets: BucketView[];
  reservations: ReservationView[];
}

export type { SubscriberRoute };

export interface RouteChangeHandlers {
  changed(subscriberId: string): void;
  listening(on: boolean): void;
}

export interface RouteChangeWatch {
  stop(): Promise<void>;
}

export interface BalanceEngine {
  charge(cmd: SessionCommand): Promise<SessionResult>;
  event(cmd: EventCommand): Promise<EventResult>;
  getBalance(accountId: string, nowMs: number): Promise<BalanceView | undefined>;

  /**
   * Provisioning projection. Creates the account with `initialBalanceMicros` if missing; otherwise
   * updates only its static fields. `cycle` (with at least one entry) sets the cycle's tier counters
   * when the account is created (each clamped to the engine's counter maximum, 2^52); an existing
   * account's counters are never touched.
   */
  upsertAccount(p: AccountProjection, initialBalanceMicros: bigint, cycle?: CycleCounters): Promise<void>;
  /** Idempotent by requestId; emits a TOPUP event. A negative amount takes a top-up back (its reversal): the balance may then go below zero. */
  topUp(accountId: string, requestId: string, amountMicros: bigint, nowMs: number): Promise<{ balanceMicros: bigint; replayed: boolean }>;
  /** Idempotent by bucketId (the definition without `remainingUnits`: an existing bucket is left as it is). */
  grantBucket(g: BucketGrant): Promise<void>;
  setStatus(accountId: string, status: AccountStatus): Promise<void>;
  /** Pays a prepaid renewal and grants its buckets in one step, idempotent by requestId (renewSubscription script). */
  renew(cmd: RenewalCommand): Promise<RenewalResult>;
  routeSubscriber(subscriberId: string, route: SubscriberRoute): Promise<void>;
  unrouteSubscriber(subscriberId: string): Promise<void>;
  resolveSubscriber(subscriberId: string): Promise<SubscriberRoute | undefined>;
  /**
   * Follows route changes (routeSubscriber, unrouteSubscriber, from any process) on a connection of
   * its own: `changed(subscriberId)` for each, `listening(true)` once it is subscribed (again),
   * `listening(false)` when the connection is lost (changes may be missed until it is back).
   */
  watchRouteChanges(handlers: RouteChangeHandlers): Promise<RouteChangeWatch>;

  /** Compiled tariffs: provisioning stores each price plan (JSON of @app/rating PricePlan) here; the gateway caches them. */
  putPlan(planId: string, planJson: string): Promise<void>;
  getPlan(planId: string): Promise<string | undefined>;

  /** Releases reservations past validity + grace, at most `limit` of them; returns how many. */
  expireDue(nowMs: number, limit: number): Promise<number>;
}
