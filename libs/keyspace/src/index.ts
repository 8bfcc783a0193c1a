/**
 * @app/keyspace: the Redis key layout of the charging projection (slot buckets, per-account keys,
 * outboxes) and the client that reaches it (one Redis or a Redis Cluster), shared by every app that reads it.
 */
export * from './keys';
export * from './redis-client';
export * from './subscriber-route';
