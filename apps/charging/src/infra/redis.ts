/** Injection token of the charging app's Redis client (created with @app/keyspace's createRedis). */
export const REDIS = Symbol('REDIS');
