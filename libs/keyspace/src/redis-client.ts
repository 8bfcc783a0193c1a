/**
 * The client of the charging engine's Redis (ioredis), for the charging app and for readers of its
 * projection (invoicing's CDR mediation): one Redis, or a Redis Cluster when RATEL_REDIS_CLUSTER is
 * set (REDIS_URL then lists seed nodes, comma-separated). Every key of one
 * account shares a hash tag (`{b:N}`), so the balance scripts run unchanged on a cluster; the few
 * places that touch many buckets at once (the relay's reads and deletes, the expiry sweep, outbox
 * metrics, loading the function library) go through the helpers below, which split per key on a
 * cluster (a multi-key command or a pipeline must stay within one slot there).
 */
import { once } from 'node:events';
import Redis, { type ChainableCommander, Cluster, type RedisOptions } from 'ioredis';

/** The app's Redis client: one server, or a cluster. */
export type RedisClient = Redis | Cluster;

/** How long a command may wait for a reconnect before failing (no unbounded queues). */
export const REDIS_RETRIES_PER_REQUEST_MAX = 2;
/** Upper bound on commands queued while disconnected is enforced by failing fast (enableOfflineQueue stays on only for boot). */
export const REDIS_CONNECT_TIMEOUT_MS = 5_000;
/** MOVED/ASK redirections one command may follow on a cluster (slots moving during a reshard). */
export const REDIS_CLUSTER_REDIRECTIONS_MAX = 16;

const CONNECTION_OPTIONS: RedisOptions = {
  maxRetriesPerRequest: REDIS_RETRIES_PER_REQUEST_MAX,
  connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
  enableAutoPipelining: false, // measured slower than plain in-flight calls (shared/design/baselines.md)
  lazyConnect: false,
};

export interface RedisConnectOptions {
  /** `url` lists seed nodes of a Redis Cluster (comma-separated). */
  cluster?: boolean;
}

export function createRedis(url: string, opts: RedisConnectOptions = {}): RedisClient {
  if (!opts.cluster) return new Redis(url, CONNECTION_OPTIONS);
  const seeds = url
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return new Cluster(seeds, {
    redisOptions: CONNECTION_OPTIONS,
    maxRedirections: REDIS_CLUSTER_REDIRECTIONS_MAX,
    enableAutoPipelining: false,
    scaleReads: 'master',
  });
}

export function isCluster(r: RedisClient): r is Cluster {
  return r instanceof Cluster;
}

/** A second connection like `r` with other connection options (blocking reads, subscriptions). */
export function duplicateClient(r: RedisClient, options: RedisOptions = {}): RedisClient {
  if (!isCluster(r)) return r.duplicate(options);
  return r.duplicate(undefined, { redisOptions: { ...r.options.redisOptions, ...options }, lazyConnect: options.lazyConnect ?? false });
}

/** The servers that own data: every master of a cluster (once its slot map is known), or the one server. */
export async function primaries(r: RedisClient): Promise<Redis[]> {
  if (!isCluster(r)) return [r];
  if (r.status !== 'ready') await once(r, 'ready');
  return r.nodes('master');
}

/**
 * One batch of per-key commands (`add` queues the commands of one key): a single pipeline on one
 * Redis; on a cluster a pipeline per key, all in flight at once. Results in the order queued.
 */
export async function perKeyBatch(
  r: RedisClient,
  keys: readonly string[],
  add: (p: ChainableCommander, key: string) => void,
): Promise<Array<[Error | null, unknown]>> {
  if (!isCluster(r)) {
    const p = r.pipeline();
    for (const k of keys) add(p, k);
    return (await p.exec()) ?? [];
  }
  const parts = await Promise.all(
    keys.map(async (k) => {
      const p = r.pipeline();
      add(p, k);
      return (await p.exec()) ?? [];
    }),
  );
  return parts.flat();
}
