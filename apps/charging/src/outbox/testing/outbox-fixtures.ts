/**
 * Test and bench helpers for the outbox relay: write outbox entries in the contract format
 * (apps/charging/README.md: fields `id`, `subject`, `data` in `P{b:N}:outbox`) and read a whole
 * JetStream stream back. Never used by production code.
 */
import { createHash } from 'node:crypto';
import type Redis from 'ioredis';
import type { NatsConnection } from 'nats';
import type { CompiledRate } from '@app/rating';
import { mapConcurrently } from '@app/runtime';
import type { BalanceEngine } from '../../balance/balance-engine.port';
import { ACCOUNT_SLOT_BUCKETS, outboxKey, slotBucketOf } from '../outbox-names';

/** XADDs per pipeline when filling. */
const FILL_PIPELINE_MAX = 2_000;
/** Messages an ordered consumer asks for at a time when reading a stream back. */
const READ_BATCH_MAX = 2_000;
/** A stream read back must not stall longer than this between messages. */
const READ_IDLE_TIMEOUT_MS = 10_000;

export interface FillOptions {
  /** RATEL_REDIS_PREFIX of the spec. */
  prefix: string;
  /** Subject root the entries are published under (`<root>.<accountId>`). */
  subjectRoot: string;
  /** How many distinct accounts the entries are spread over (so over up to 256 buckets). */
  accounts: number;
  /** Makes event ids unique across calls of one spec. */
  label: string;
  /** Index of the first entry (continue a series). */
  from?: number;
}

export interface FilledEntry {
  eventId: string;
  bucket: number;
  data: string;
}

/** An event id the way the engine makes them: sha1 hex of a canonical string. */
export function testEventId(label: string, i: number): string {
  return createHash('sha1').update(`${label}|${i}`).digest('hex');
}

/** XADDs `count` entries in the contract format; returns them in write order. */
export async function fillOutbox(redis: Redis, count: number, o: FillOptions): Promise<FilledEntry[]> {
  const out: FilledEntry[] = [];
  const from = o.from ?? 0;
  for (let start = from; start < from + count; start += FILL_PIPELINE_MAX) {
    const pipe = redis.pipeline();
    for (let i = start; i < Math.min(from + count, start + FILL_PIPELINE_MAX); i++) {
      const accountId = `acct-${o.label}-${i % o.accounts}`;
      const bucket = slotBucketOf(accountId);
      const eventId = testEventId(o.label, i);
      const data = JSON.stringify({
        eventId,
        kind: 'DEBIT',
        accountId,
        seq: i,
        amountMicros: String(1_000 + i),
        ratingGroup: 10,
        occurredAtMs: 1_795_000_000_000 + i,
      });
      pipe.xadd(outboxKey(o.prefix, bucket), '*', 'id', eventId, 'subject', `${o.subjectRoot}.${accountId}`, 'data', data);
      out.push({ eventId, bucket, data });
    }
    for (const [err] of (await pipe.exec()) ?? []) if (err) throw err;
  }
  return out;
}

/** Entries left in all bucket outboxes of `prefix`. */
export async function outboxDepth(redis: Redis, prefix: string): Promise<number> {
  const pipe = redis.pipeline();
  for (let b = 0; b < ACCOUNT_SLOT_BUCKETS; b++) pipe.xlen(outboxKey(prefix, b));
  return ((await pipe.exec()) ?? []).reduce((n, [err, len]) => {
    if (err) throw err;
    return n + (len as number);
  }, 0);
}

/** Event ids still in the outboxes of `prefix`. */
export async function outboxEventIds(redis: Redis, prefix: string): Promise<string[]> {
  const pipe = redis.pipeline();
  for (let b = 0; b < ACCOUNT_SLOT_BUCKETS; b++) pipe.xrange(outboxKey(prefix, b), '-', '+');
  const ids: string[] = [];
  for (const [err, items] of (await pipe.exec()) ?? []) {
    if (err) throw err;
    for (const [, fields] of items as Array<[string, string[]]>) ids.push(fields[fields.indexOf('id') + 1]);
  }
  return ids;
}

export interface StoredMessage {
  seq: number;
  subject: string;
  msgId: string | undefined;
  data: string;
}

/** Every message of a JetStream stream, in stream order (ordered consumer). */
export async function readStream(nc: NatsConnection, stream: string): Promise<StoredMessage[]> {
  const jsm = await nc.jetstreamManager();
  const total = (await jsm.streams.info(stream)).state.messages;
  const out: StoredMessage[] = [];
  if (total === 0) return out;
  const consumer = await nc.jetstream().consumers.get(stream);
  const messages = await consumer.consume({ max_messages: READ_BATCH_MAX });
  let lastAt = Date.now();
  const watchdog = setInterval(() => {
    if (Date.now() - lastAt > READ_IDLE_TIMEOUT_MS) messages.stop(); // return what arrived; the caller's assertions say what is missing
  }, 500);
  try {
    for await (const m of messages) {
      lastAt = Date.now();
      out.push({ seq: m.seq, subject: m.subject, msgId: m.headers?.get('Nats-Msg-Id'), data: m.string() });
      if (out.length >= total) break;
    }
  } finally {
    clearInterval(watchdog);
    await messages.close();
  }
  return out;
}

/** How often each event id occurs among stored messages. */
export function countByMsgId(messages: readonly StoredMessage[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of messages) if (m.msgId) counts.set(m.msgId, (counts.get(m.msgId) ?? 0) + 1);
  return counts;
}

export { waitFor } from '@app/devstack';

/** Small stream caps for tests: JetStream reserves each stream's max bytes on the server. */
export const TEST_STREAM_LIMITS = { ratedMaxBytes: 256 * 1024 * 1024, notifyMaxBytes: 16 * 1024 * 1024 };

/** Deletes a spec's streams (frees their reservation on the shared test server). */
export async function deleteStreams(nc: NatsConnection, names: readonly string[]): Promise<void> {
  const jsm = await nc.jetstreamManager();
  for (const n of names) await jsm.streams.delete(n).catch(() => undefined);
}

// ---------------------------------------------------------------------------------------------
// Events written by the real balance engine (RedisBalanceEngine): TOPUP and DEBIT rated events
// and LOW_BALANCE / BALANCE_EXHAUSTED notifications, on the production subjects.

/** Engine calls in flight at once while generating traffic. */
const ENGINE_CONCURRENCY = 64;
const EUR_MICROS = 1_000_000n;
const TEST_NOW_MS = 1_795_000_000_000;
/** A debit costs more than a top-up brings, so balances swing across the threshold and to zero. */
const DEBIT_PRICE_MICROS = 1_600_000;
const TOPUP_MICROS = EUR_MICROS;

export interface EngineRequest {
  kind: 'TOPUP' | 'DEBIT';
  accountId: string;
  requestId: string;
  /** False when the engine refused it (a debit without funds): then it wrote no event. */
  ok: boolean;
}

/** Prepaid accounts with an opening balance (one INITIAL_BALANCE TOPUP event each) and a low-balance threshold. */
export async function openAccounts(engine: BalanceEngine, label: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `acct-${label}-${i}`);
  await mapConcurrently(ids, ENGINE_CONCURRENCY, (accountId) =>
    engine.upsertAccount(
      {
        accountId,
        type: 'PREPAID',
        currency: 'EUR',
        creditLimitMicros: 0n,
        thresholdsMicros: [EUR_MICROS / 2n],
        status: 'ACTIVE',
        timeZone: 'Europe/Berlin',
        planId: 'plan-1',
        cycleDay: 1,
      },
      EUR_MICROS,
    ),
  );
  return ids;
}

const DEBIT_RATE: CompiledRate = {
  tariffId: 't-outbox-e2e',
  unit: 'EVENTS',
  setupMicros: 0,
  firstUnits: 1,
  nextUnits: 1,
  perUnits: 1,
  tiers: [{ fromUnits: 0, priceMicros: DEBIT_PRICE_MICROS }],
};

/** Requests `from .. from+count-1`, round-robin over the accounts: each account gets a top-up, then a debit, in turn. */
export async function engineTraffic(
  engine: BalanceEngine,
  accounts: readonly string[],
  label: string,
  from: number,
  count: number,
): Promise<EngineRequest[]> {
  const indices = Array.from({ length: count }, (_, k) => from + k);
  return mapConcurrently(indices, ENGINE_CONCURRENCY, async (i): Promise<EngineRequest> => {
    const accountId = accounts[i % accounts.length];
    const requestId = `${label}-${i}`;
    if (Math.floor(i / accounts.length) % 2 === 0) {
      await engine.topUp(accountId, requestId, TOPUP_MICROS, TEST_NOW_MS + i);
      return { kind: 'TOPUP', accountId, requestId, ok: true };
    }
    const base = {
      kind: 'DEBIT' as const,
      accountId,
      subscriberId: '4915112345678',
      requestId,
      cycleId: '2026-11',
      ratingGroup: 10,
      serviceId: 1,
      units: 1,
    };
    const r = await engine.event({
      ...base,
      requestHash: createHash('sha256').update(JSON.stringify(base)).digest('hex'),
      nowMs: TEST_NOW_MS + i,
      rate: DEBIT_RATE,
    });
    return { kind: 'DEBIT', accountId, requestId, ok: r.resultCode === 'SUCCESS' };
  });
}

/** How many entries were ever added to the outboxes of `prefix` (XINFO STREAM entries-added, Redis 7). */
export async function outboxEntriesAdded(redis: Redis, prefix: string): Promise<number> {
  let total = 0;
  for (let b = 0; b < ACCOUNT_SLOT_BUCKETS; b++) {
    const key = outboxKey(prefix, b);
    if ((await redis.exists(key)) === 0) continue;
    const info = (await redis.xinfo('STREAM', key)) as unknown[]; // flat [name, value, ...] reply
    const at = info.indexOf('entries-added');
    if (at < 0) throw new Error('XINFO STREAM has no entries-added (Redis 7 needed)');
    total += Number(info[at + 1]);
  }
  return total;
}
