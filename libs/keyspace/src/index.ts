/** @app/keyspace: the Redis key layout of the charging projection (slot buckets, per-account keys, outboxes), shared by every app that reads it. */
export * from './keys';
