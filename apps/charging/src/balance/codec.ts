/**
 * Encoding of script arguments and decoding of script replies. Arguments are one JSON document
 * (numbers only where they are at most 2^53 - 1, which validation guarantees); replies carry
 * money as decimal strings, turned into bigint here.
 */
import type { CompiledRate } from '@app/rating';
import type {
  BucketView,
  EventCommand,
  EventResult,
  FinalUnitAction,
  RatingGroupResult,
  ReservationView,
  ResultCode,
  SessionCommand,
  SessionResult,
} from './balance-engine.port';

/** Rate fields the scripts use, nothing else (it is stored with each reservation). */
export function rateArg(rate: CompiledRate): CompiledRate {
  const r: CompiledRate = {
    tariffId: rate.tariffId,
    unit: rate.unit,
    setupMicros: rate.setupMicros,
    firstUnits: rate.firstUnits,
    nextUnits: rate.nextUnits,
    perUnits: rate.perUnits,
    tiers: rate.tiers.map((t) => ({ fromUnits: t.fromUnits, priceMicros: t.priceMicros })),
  };
  if (rate.tariffChangeAtMs !== undefined) r.tariffChangeAtMs = rate.tariffChangeAtMs;
  return r;
}

export function sessionArg(cmd: SessionCommand, ttlMs: number, repliesKept: number): string {
  return JSON.stringify({
    kind: cmd.kind,
    acct: cmd.accountId,
    sub: cmd.subscriberId,
    sess: cmd.sessionId,
    n: cmd.requestNumber,
    h: cmd.requestHash,
    now: cmd.nowMs,
    validity: cmd.validityMs,
    grace: cmd.graceMs,
    cycle: cmd.cycleId,
    ttl: ttlMs,
    keep: repliesKept,
    rgs: cmd.ratingGroups.map((g) => ({
      rg: g.ratingGroup,
      svc: g.serviceId,
      req: g.requestedUnits,
      used: g.usedUnits,
      ...(g.rate ? { rate: rateArg(g.rate) } : {}),
    })),
  });
}

export function eventArg(cmd: EventCommand, ttlMs: number): string {
  const isRefund = cmd.kind === 'REFUND';
  return JSON.stringify({
    kind: cmd.kind,
    acct: cmd.accountId,
    sub: cmd.subscriberId,
    req: cmd.requestId,
    h: cmd.requestHash,
    now: cmd.nowMs,
    cycle: cmd.cycleId,
    rg: cmd.ratingGroup,
    svc: cmd.serviceId,
    units: isRefund ? 0 : cmd.units,
    ttl: ttlMs,
    ...(!isRefund && cmd.rate ? { rate: rateArg(cmd.rate) } : {}),
    ...(isRefund ? { refundOf: cmd.refundOfRequestId } : {}),
  });
}

/** A script reply `{json, replayed}`. Anything else is a broken contract: fail loudly. */
export function scriptReply(raw: unknown, script: string): { json: string; replayed: boolean } {
  if (!Array.isArray(raw) || raw.length !== 2 || typeof raw[0] !== 'string') {
    throw new Error(`${script}: unexpected reply ${JSON.stringify(raw)}`);
  }
  return { json: raw[0], replayed: raw[1] === 1 };
}

interface RawGroup {
  rg: number;
  code: ResultCode;
  unit: RatingGroupResult['unit'];
  granted: number;
  validity: number;
  fua: FinalUnitAction;
  reserved: string;
  debitedUnits: number;
  allowanceUnits: number;
  debited: string;
}

export function parseSessionReply(json: string, replayed: boolean): SessionResult {
  const r = JSON.parse(json) as { code: ResultCode; balance: string; rgs: RawGroup[] | Record<string, never> };
  const groups = Array.isArray(r.rgs) ? r.rgs : [];
  return {
    resultCode: r.code,
    balanceMicros: BigInt(r.balance),
    replayed,
    ratingGroups: groups.map((g) => ({
      ratingGroup: g.rg,
      resultCode: g.code,
      unit: g.unit,
      grantedUnits: g.granted,
      validityMs: g.validity,
      finalUnitAction: g.fua,
      reservedMicros: BigInt(g.reserved),
      debitedUnits: g.debitedUnits,
      allowanceUnits: g.allowanceUnits,
      debitedMicros: BigInt(g.debited),
    })),
  };
}

export function parseEventReply(json: string, replayed: boolean): EventResult {
  const r = JSON.parse(json) as { code: ResultCode; debited: string; allowanceUnits: number; balance: string };
  return {
    resultCode: r.code,
    debitedMicros: BigInt(r.debited),
    allowanceUnits: r.allowanceUnits,
    balanceMicros: BigInt(r.balance),
    replayed,
  };
}

interface RawBucket {
  unit: BucketView['unit'];
  rgs: number[] | Record<string, never>;
  total: number;
  remaining: number;
  reserved: number;
  from: number;
  until: number;
}

export function parseBucket(bucketId: string, json: string): BucketView {
  const b = JSON.parse(json) as RawBucket;
  return {
    bucketId,
    unit: b.unit,
    ratingGroups: Array.isArray(b.rgs) ? b.rgs : [],
    totalUnits: b.total,
    remainingUnits: b.remaining,
    reservedUnits: b.reserved,
    validFromMs: b.from,
    expiresAtMs: b.until,
  };
}

export function parseReservation(field: string, json: string): ReservationView {
  const r = JSON.parse(json) as { units: number; money: number; until: number };
  const cut = field.lastIndexOf('|');
  return {
    sessionId: field.slice(0, cut),
    ratingGroup: Number(field.slice(cut + 1)),
    units: r.units,
    reservedMicros: BigInt(r.money),
    expiresAtMs: r.until,
  };
}
