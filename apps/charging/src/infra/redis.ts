/** The Redis connection of the charging app: its injection token; the client itself is @app/keyspace's. */
export {
  createRedis,
  duplicateClient,
  isCluster,
  perKeyBatch,
  primaries,
  REDIS_CLUSTER_MAX_REDIRECTIONS,
  REDIS_CONNECT_TIMEOUT_MS,
  REDIS_MAX_RETRIES_PER_REQUEST,
  type RedisClient,
  type RedisConnectOptions,
} from '@app/keyspace';

export const REDIS = Symbol('REDIS');
