/**
 * Helpers for the balance engine's integration specs: an engine on the test Redis with a key
 * prefix of its own, builders of commands and rates, and readers of the Redis state.
 */
import { createHash } from 'node:crypto';
import { deleteKeys, requireEnv, scanKeys, uniqueId } from '@app/devstack';
import { parseOutboxData, type Notification, type RatedEvent } from '@app/events';
import type { CompiledRate } from '@app/rating';
import Redis from 'ioredis';
import type { Registry } from 'prom-client';
import type { AccountProjection, EventCommand, RatingGroupRequest, SessionCommand } from '../balance-engine.port';
import { readOutboxFields } from '../outbox-entry';
import { RedisBalanceEngine } from '../redis-balance-engine';

export const T0 = 1_790_000_000_000;
export const EUR = 1_000_000n;

export interface TestEngine {
  redis: Redis;
  engine: RedisBalanceEngine;
  prefix: string;
  close(): Promise<void>;
}

export async function openEngine(label: string, registry?: Registry): Promise<TestEngine> {
  const redis = new Redis(requireEnv('REDIS_URL'));
  const prefix = `${uniqueId(label)}:`;
  const engine = new RedisBalanceEngine(redis, { prefix, registry, clock: { nowMs: () => T0 } });
  return {
    redis,
    engine,
    prefix,
    close: async () => {
      await deleteKeys(redis, `${prefix}*`);
      await redis.quit();
    },
  };
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A flat rate: `priceMicros` per `perUnits`, increments first/next. */
export function flatRate(unit: CompiledRate['unit'], priceMicros: number, perUnits = 1, over: Partial<CompiledRate> = {}): CompiledRate {
  return {
    tariffId: `t-${unit.toLowerCase()}`,
    unit,
    setupMicros: 0,
    firstUnits: 1,
    nextUnits: 1,
    perUnits,
    tiers: [{ fromUnits: 0, priceMicros }],
    ...over,
  };
}

export function prepaid(accountId: string, over: Partial<AccountProjection> = {}): AccountProjection {
  return {
    accountId,
    type: 'PREPAID',
    currency: 'EUR',
    creditLimitMicros: 0n,
    thresholdsMicros: [],
    status: 'ACTIVE',
    timeZone: 'Europe/Berlin',
    planId: 'plan-1',
    cycleDay: 1,
    ...over,
  };
}

export function group(ratingGroup: number, requestedUnits: number, usedUnits: number, rate?: CompiledRate): RatingGroupRequest {
  return { ratingGroup, serviceId: 1, requestedUnits, usedUnits, rate };
}

/** A session command; the request hash covers everything but time, as the gateway's would. */
export function sessionCmd(
  kind: SessionCommand['kind'],
  accountId: string,
  sessionId: string,
  requestNumber: number,
  ratingGroups: RatingGroupRequest[],
  over: Partial<SessionCommand> = {},
): SessionCommand {
  const base = { kind, accountId, subscriberId: '4915112345678', sessionId, requestNumber, cycleId: '2026-11', ratingGroups };
  return { ...base, requestHash: sha256(JSON.stringify(base)), nowMs: T0, validityMs: 60_000, graceMs: 5_000, ...over };
}

/** 0.10 EUR per event: the rate of the specs' one-shot charges. */
export const SMS_RATE = flatRate('EVENTS', 100_000);

/** An event command (rating group 5, service 2) at SMS_RATE; the request hash covers everything but time. */
export function eventCmd(kind: EventCommand['kind'], accountId: string, requestId: string, units: number, refundOf?: string): EventCommand {
  const base = {
    kind,
    accountId,
    subscriberId: '4915112345678',
    requestId,
    ratingGroup: 5,
    serviceId: 2,
    units,
    refundOfRequestId: refundOf,
  };
  return { ...base, requestHash: sha256(JSON.stringify(base)), nowMs: T0, cycleId: '2026-11', rate: SMS_RATE };
}

/** Every key under the prefix with its content (and whether it has a TTL), for before/after comparisons. */
export async function snapshot(t: TestEngine): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const key of await scanKeys(t.redis, `${t.prefix}*`)) {
    const type = await t.redis.type(key);
    const ttl = (await t.redis.pttl(key)) > 0;
    if (type === 'hash') out[key] = { ttl, v: await t.redis.hgetall(key) };
    else if (type === 'string') out[key] = { ttl, v: await t.redis.get(key) };
    else if (type === 'zset') out[key] = { ttl, v: await t.redis.zrange(key, 0, -1, 'WITHSCORES') };
    else if (type === 'stream') out[key] = { ttl, v: await t.redis.xrange(key, '-', '+') };
    else out[key] = { ttl, type };
  }
  return out;
}

export interface OutboxEntry {
  id: string;
  subject: string;
  data: RatedEvent | Notification;
}

/** The outbox of an account's bucket, each entry validated against the event schemas. */
export async function outbox(t: TestEngine, accountId: string): Promise<OutboxEntry[]> {
  const entries = await t.redis.xrange(t.engine.keys.account(accountId).outbox, '-', '+');
  return entries.map(([, fields]) => {
    const read = readOutboxFields(fields);
    if ('malformed' in read) throw new Error(`malformed outbox entry: ${read.malformed}`);
    const data = parseOutboxData(read.json);
    if (data.eventId !== read.eventId) throw new Error(`outbox id ${read.eventId} differs from the event id ${data.eventId}`);
    return { id: read.eventId, subject: read.subject, data };
  });
}

export function rated(entries: OutboxEntry[], type?: RatedEvent['type']): RatedEvent[] {
  return entries.map((e) => e.data).filter((d): d is RatedEvent => d.schema === 'ratel.rated.v1' && (!type || d.type === type));
}

export function notifications(entries: OutboxEntry[], type?: Notification['type']): Notification[] {
  return entries.map((e) => e.data).filter((d): d is Notification => d.schema === 'ratel.notification.v1' && (!type || d.type === type));
}
