/**
 * The relay lease: one Redis key `P relay:lease` holding the token of the relay allowed to
 * publish, with a time to live. Taken with SET NX PX, renewed and released only by its holder
 * (compare-and-set scripts). A relay that dies holds it at most `leaseMs`.
 *
 * The lease is an efficiency measure, not a correctness one: if two relays overlap for a moment
 * (a paused holder whose lease ran out, a clock jump), both publish the same entries with the same
 * Nats-Msg-Id and JetStream keeps one of each within DUPLICATE_WINDOW_MS; XDEL of an already
 * deleted entry is a no-op.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { RedisClient } from '@app/keyspace';

/** KEYS[1] lease key; ARGV[1] token, ARGV[2] ttl ms. Reply 1 if renewed, 0 if not held by this token. */
const RENEW_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
/** KEYS[1] lease key; ARGV[1] token. Reply 1 if released, 0 if not held by this token. */
const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export function leaseKey(prefix: string): string {
  return `${prefix}relay:lease`;
}

export class RelayLease {
  readonly token = `${hostname()}:${process.pid}:${randomBytes(6).toString('hex')}`;
  /** Local time (ms, monotonic) until which this relay may act as the holder. */
  private validUntil = 0;

  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
    private readonly leaseMs: number,
  ) {}

  /** True while the last successful acquire/renew is younger than the lease. */
  held(): boolean {
    return performance.now() < this.validUntil;
  }

  /** Takes the lease if free, renews it if held; returns whether this relay holds it now. */
  async acquireOrRenew(): Promise<boolean> {
    const startedAt = performance.now(); // the lease runs from before the command was sent
    const ok = this.validUntil > 0 ? await this.renew() : await this.acquire();
    this.validUntil = ok ? startedAt + this.leaseMs : 0;
    return ok;
  }

  /** Gives the lease up (only if still ours) so a standby relay can take over at once. */
  async release(): Promise<void> {
    this.validUntil = 0;
    await this.redis.eval(RELEASE_LUA, 1, this.key, this.token);
  }

  private async acquire(): Promise<boolean> {
    return (await this.redis.set(this.key, this.token, 'PX', this.leaseMs, 'NX')) === 'OK';
  }

  private async renew(): Promise<boolean> {
    if ((await this.redis.eval(RENEW_LUA, 1, this.key, this.token, this.leaseMs)) === 1) return true;
    return this.acquire(); // lost it (expired): take it again if nobody else has
  }
}
