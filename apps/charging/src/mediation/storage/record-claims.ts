/**
 * Which file first rated each CDR record, within the de-duplication window
 * (RATEL_CDR_DEDUP_WINDOW_MS): mediation's memory of record identities across files.
 *
 * Where it lives, and why Redis (with a TTL):
 * - Claiming must be atomic across files rated at the same time, in this process or in another
 *   replica: `SET <key> <fileId>:<line> PX <window> NX GET` either stores the claim or returns the
 *   claim already there, in one command; two files can never both win a record. ClickHouse has
 *   no such check-and-insert (two concurrent inserts would both pass a prior read).
 * - The window is the key's TTL: no purge job, and memory is bounded by the records of one window
 *   (about 150 bytes a record).
 * - It survives a restart of this process (Redis persists with the AOF the balance engine
 *   already requires), and it is mediation's own Redis: the charging app's, no new store.
 * - Redis is not the system of record: were the keys lost, the events would still carry the
 *   record's id (rating/cdr-event.ts), so JetStream and the ClickHouse readers would still count
 *   a re-exported record once; only the per-file DUPLICATE report would be missing.
 * Keys are `<prefix>cdr:seen:<eventId>` (the event id is the SHA-1 of the record's identity), one
 * slot each on a Redis Cluster (perKeyBatch).
 */
import { perKeyBatch, type RedisClient } from '@app/keyspace';

export const CDR_RECORD_CLAIMS = Symbol('CDR_RECORD_CLAIMS');

export interface RecordClaim {
  /** The record's event id (SHA-1 of its identity). */
  eventId: string;
  fileId: string;
  lineNumber: number;
}

/** The file and line that claimed a record first. */
export interface FirstSeen {
  fileId: string;
  lineNumber: number;
}

export interface RecordClaims {
  /**
   * Claims each record for (fileId, lineNumber) unless another file or line claimed it within the
   * window. Per claim: undefined when this file owns it (claimed now, or by an earlier run of the
   * same file: a re-run after a crash publishes it again, with the same event id), else where it
   * was first seen.
   */
  claim(claims: readonly RecordClaim[]): Promise<(FirstSeen | undefined)[]>;
  /**
   * Gives up claims this file owns whose events could not be published (the run is failing), so
   * that a re-export in another file is rated rather than reported as a duplicate of a record
   * never published. Best effort: a process killed outright keeps its claims (README).
   */
  release(claims: readonly RecordClaim[]): Promise<void>;
}

const OWNER = /^([0-9a-f]{32}):([1-9][0-9]{0,15})$/;

export class RedisRecordClaims implements RecordClaims {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly windowMs: number,
  ) {
    if (!Number.isInteger(windowMs) || windowMs < 1) throw new RangeError(`windowMs must be a positive integer, got ${windowMs}`);
  }

  key(eventId: string): string {
    return `${this.prefix}cdr:seen:${eventId}`;
  }

  /**
   * Deletes the keys still holding exactly these claims. Not a compare-and-delete in one step:
   * between the GET and the DEL only the key's expiry and a new claim by another file could
   * intervene, which needs the whole window to pass within that round trip.
   */
  async release(claims: readonly RecordClaim[]): Promise<void> {
    if (claims.length === 0) return;
    const keys = claims.map((c) => this.key(c.eventId));
    const current = await perKeyBatch(this.redis, keys, (p, key) => p.get(key));
    const ours = keys.filter((_, i) => current[i][1] === `${claims[i].fileId}:${claims[i].lineNumber}`);
    if (ours.length > 0) await perKeyBatch(this.redis, ours, (p, key) => p.del(key));
  }

  async claim(claims: readonly RecordClaim[]): Promise<(FirstSeen | undefined)[]> {
    if (claims.length === 0) return [];
    const value = new Map(claims.map((c) => [this.key(c.eventId), `${c.fileId}:${c.lineNumber}`]));
    const keys = claims.map((c) => this.key(c.eventId));
    const window = String(this.windowMs);
    const replies = await perKeyBatch(this.redis, keys, (p, key) => p.call('SET', key, value.get(key)!, 'PX', window, 'NX', 'GET'));
    return replies.map(([err, previous], i) => {
      if (err) throw err;
      if (previous === null || previous === undefined) return undefined;
      const m = OWNER.exec(String(previous));
      if (m === null) throw new Error(`malformed CDR claim at ${keys[i]}: ${JSON.stringify(previous)}`);
      const first = { fileId: m[1], lineNumber: Number(m[2]) };
      return first.fileId === claims[i].fileId && first.lineNumber === claims[i].lineNumber ? undefined : first;
    });
  }
}
