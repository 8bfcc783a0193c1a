/** The Redis connection of the charging app (ioredis). Scripts are defined on it by the balance engine. */
import Redis from 'ioredis';

export const REDIS = Symbol('REDIS');

/** How long a command may wait for a reconnect before failing (no unbounded queues). */
export const REDIS_MAX_RETRIES_PER_REQUEST = 2;
/** Upper bound on commands queued while disconnected is enforced by failing fast (enableOfflineQueue stays on only for boot). */
export const REDIS_CONNECT_TIMEOUT_MS = 5_000;

export function createRedis(url: string): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: REDIS_MAX_RETRIES_PER_REQUEST,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    enableAutoPipelining: false, // measured slower than plain in-flight calls (shared/design/baselines.md)
    lazyConnect: false,
  });
}
