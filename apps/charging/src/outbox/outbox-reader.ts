/**
 * Reads the bucket outboxes from the start (ID 0): acknowledged entries are deleted, so what is
 * there is exactly what still has to be published, and a relay that starts after a crash skips
 * nothing. The one exception is the read-ahead, which starts after the entries in hand.
 *
 * XREAD's COUNT applies per stream. One round reads at most `batchMax` entries in all: first
 * `batchMax / buckets` from every readable bucket (one XREAD, blocking while all are empty), then,
 * if buckets came back full and budget is left, the rest of the budget is shared among those
 * (one pipelined XRANGE each) so a single hot bucket still moves `batchMax` entries a round.
 *
 * On a Redis Cluster a multi-key XREAD must stay within one slot, and every bucket is a slot of its
 * own: there the first step is one non-blocking XREAD per bucket, all in flight at once, and an
 * empty round returns at once (the relay then pauses, RELAY_CLUSTER_IDLE_POLL_MS).
 */
import { isCluster, perKeyBatch, type RedisClient } from '@app/keyspace';
import { readOutboxFields } from '../balance/outbox-entry';
import type { OutboxMessage } from './jetstream-publisher';

export interface OutboxEntry {
  /** Redis key of the bucket outbox and the bucket number. */
  key: string;
  bucket: number;
  /** Redis stream entry ID (what XDEL takes). */
  streamId: string;
  /** What to publish; absent when the entry does not follow the contract (then `malformed` says why). */
  message?: OutboxMessage;
  malformed?: string;
}

type StreamItems = Array<[id: string, fields: string[]]>;

/** Per-stream COUNT of the first XREAD of a round. */
export function perStreamCount(batchMax: number, streams: number): number {
  return Math.max(1, Math.floor(batchMax / Math.max(1, streams)));
}

/** Extra entries per full stream for the second step, 0 if the budget does not allow one each. */
export function extensionCount(budgetLeft: number, fullStreams: number): number {
  return fullStreams === 0 ? 0 : Math.max(0, Math.floor(budgetLeft / fullStreams));
}

/** A subject JetStream can store under: dot-separated non-empty tokens, no wildcards, no whitespace. */
export function isPublishSubject(s: string): boolean {
  return s.length > 0 && s.length <= 512 && !/[\s*>]/.test(s) && s.split('.').every((t) => t.length > 0);
}

/**
 * Turns a stream entry (fields `id`, `subject`, and the event as `data` or in the compact `r1` form
 * of src/balance/outbox-entry.ts) into what the relay publishes.
 */
export function toEntry(key: string, bucket: number, streamId: string, fields: readonly string[]): OutboxEntry {
  const read = readOutboxFields(fields);
  if ('malformed' in read) return { key, bucket, streamId, malformed: read.malformed };
  if (!isPublishSubject(read.subject)) return { key, bucket, streamId, malformed: `bad subject ${JSON.stringify(read.subject)}` };
  return { key, bucket, streamId, message: { eventId: read.eventId, subject: read.subject, data: Buffer.from(read.json, 'utf8') } };
}

export class OutboxReader {
  private readonly bucketOfKey: Map<string, number>;

  /** `redis` is a connection of the reader's own: a blocking XREAD holds it. */
  constructor(
    readonly redis: RedisClient,
    private readonly keys: readonly string[],
    private readonly batchMax: number,
  ) {
    this.bucketOfKey = new Map(keys.map((k, b) => [k, b]));
  }

  /**
   * Up to `batchMax` entries of the given buckets, oldest first within each bucket, from the
   * start of each outbox or from after `after[bucket]` (the entries in hand); waits up to
   * `blockMs` if all are empty (0: does not wait).
   */
  async read(buckets: readonly number[], blockMs: number, after?: ReadonlyMap<number, string>): Promise<OutboxEntry[]> {
    if (buckets.length === 0) return [];
    const keys = buckets.map((b) => this.keys[b]);
    const ids = buckets.map((b) => after?.get(b) ?? '0');
    const count = perStreamCount(this.batchMax, keys.length);
    const streams = isCluster(this.redis) ? await this.readEach(keys, ids, count) : await this.readAll(keys, ids, count, blockMs);
    if (streams.length === 0) return [];
    await this.extend(streams, count);
    const entries: OutboxEntry[] = [];
    for (const { key, items } of streams) {
      const bucket = this.bucketOfKey.get(key);
      if (bucket === undefined) throw new Error(`XREAD returned a key not asked for: ${key}`);
      for (const [id, fields] of items) entries.push(toEntry(key, bucket, id, fields));
    }
    return entries;
  }

  /** One XREAD over every key (one Redis), blocking up to `blockMs` while all are empty. */
  private async readAll(
    keys: string[],
    ids: string[],
    count: number,
    blockMs: number,
  ): Promise<Array<{ key: string; items: StreamItems }>> {
    const reply =
      blockMs > 0
        ? await this.redis.xread('COUNT', count, 'BLOCK', blockMs, 'STREAMS', ...keys, ...ids)
        : await this.redis.xread('COUNT', count, 'STREAMS', ...keys, ...ids);
    return reply ? reply.map(([key, items]) => ({ key, items })) : [];
  }

  /** One non-blocking XREAD per key (a cluster), the non-empty streams in key order. */
  private async readEach(keys: string[], ids: string[], count: number): Promise<Array<{ key: string; items: StreamItems }>> {
    const replies = await Promise.all(keys.map((k, i) => this.redis.xread('COUNT', count, 'STREAMS', k, ids[i])));
    return replies.flatMap((r) => (r ? r.map(([key, items]) => ({ key, items })) : []));
  }

  /** True when an empty read returns at once instead of blocking (the caller pauses instead). */
  get pollsWhenIdle(): boolean {
    return isCluster(this.redis);
  }

  private async extend(streams: Array<{ key: string; items: StreamItems }>, count: number): Promise<void> {
    const got = streams.reduce((n, s) => n + s.items.length, 0);
    const full = streams.filter((s) => s.items.length === count);
    const extra = extensionCount(this.batchMax - got, full.length);
    if (extra === 0) return;
    const after = new Map(full.map((s) => [s.key, s.items[s.items.length - 1][0]]));
    const results = await perKeyBatch(
      this.redis,
      full.map((s) => s.key),
      (p, key) => p.xrange(key, `(${after.get(key)}`, '+', 'COUNT', extra),
    );
    results.forEach(([err, more], i) => {
      if (err) throw err;
      full[i].items.push(...(more as StreamItems));
    });
  }
}
