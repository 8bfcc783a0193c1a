/** Helpers for integration specs: each spec gets its own key prefix, stream names and database. */
import { randomBytes } from 'node:crypto';
import { Cluster, type Redis } from 'ioredis';
import { Client } from 'pg';

export function requireEnv(name: 'REDIS_URL' | 'NATS_URL' | 'DATABASE_URL'): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the suite through jest (globalSetup starts the servers)`);
  return v;
}

/** A random prefix for Redis keys, NATS subjects and stream names, unique per spec. */
export function uniqueId(label = 't'): string {
  return `${label}${randomBytes(5).toString('hex')}`;
}

/** Creates a fresh database on the test PostgreSQL and returns its URL. */
export async function createTestDatabase(label = 'db'): Promise<string> {
  const base = requireEnv('DATABASE_URL');
  const name = uniqueId(label).toLowerCase();
  const client = new Client({ connectionString: base });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * The one wait of the specs. Polls every `everyMs` until the condition holds; a poll that throws
 * counts as "not yet" (a server still starting or restarting). Fails naming `what`, with the last
 * error and the last value read, after `timeoutMs`.
 *
 *   await waitFor('the port', () => isOpen(port), 5_000);
 *   const stored = await waitFor('all rows', () => readStored(db), (s) => s.rows === 900, 30_000);
 */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs?: number): Promise<void>;
export async function waitFor<T>(
  what: string,
  read: () => Promise<T> | T,
  done: (value: T) => boolean,
  timeoutMs: number,
  everyMs?: number,
): Promise<T>;
export async function waitFor<T>(
  what: string,
  read: () => Promise<T> | T,
  doneOrTimeout: ((value: T) => boolean) | number,
  timeoutOrEvery?: number,
  every?: number,
): Promise<T | void> {
  const valued = typeof doneOrTimeout === 'function';
  const done = valued ? doneOrTimeout : (v: T) => v === true;
  const timeoutMs = valued ? timeoutOrEvery! : doneOrTimeout;
  const everyMs = (valued ? every : timeoutOrEvery) ?? WAIT_FOR_POLL_MS;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let last: { value: T } | undefined;
  for (;;) {
    try {
      const value = await read();
      last = { value };
      if (done(value)) return valued ? value : undefined;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      const cause = lastError === undefined ? '' : ` (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})`;
      const seen = valued && last ? `; last: ${JSON.stringify(last.value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}${seen}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Default pause between two polls of waitFor. */
export const WAIT_FOR_POLL_MS = 20;

/** Keys deleted per DEL by deleteKeys. */
const DELETE_KEYS_CHUNK = 1_000;

/**
 * Every key matching `pattern`, sorted (SCAN, not KEYS: fine on a Redis shared with other specs);
 * on a Redis Cluster, of every master.
 */
export async function scanKeys(redis: Redis | Cluster, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  for (const node of redis instanceof Cluster ? redis.nodes('master') : [redis]) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
  }
  return keys.sort();
}

/** Deletes every key matching `pattern`; returns how many there were (on a cluster one DEL per key). */
export async function deleteKeys(redis: Redis | Cluster, pattern: string): Promise<number> {
  const keys = await scanKeys(redis, pattern);
  if (redis instanceof Cluster) {
    await Promise.all(keys.map((k) => redis.del(k)));
    return keys.length;
  }
  for (let i = 0; i < keys.length; i += DELETE_KEYS_CHUNK) await redis.del(...keys.slice(i, i + DELETE_KEYS_CHUNK));
  return keys.length;
}
