/**
 * Configuration of the charging app (gateway, REST, relay, journal, sweepers), typed and validated
 * once at start: a missing or malformed variable stops the process with a message naming it (exit 2).
 * Secrets are never logged (redactConfig). Documented in apps/charging/README.md.
 */
import { z } from 'zod';
import { authConfigShape, hasCredentials } from '@app/auth';
import { bool, ConfigError, loadConfig, port } from '@app/config';

export const chargingConfigSchema = z.object({
  /** One Redis; or, with RATEL_REDIS_CLUSTER, seed nodes of a Redis Cluster, comma-separated. */
  REDIS_URL: z
    .string()
    .min(1)
    .refine(
      (v) => v.split(',').every((u) => URL.canParse(u.trim())),
      'must be a redis:// URL, or a comma-separated list of them with RATEL_REDIS_CLUSTER',
    ),
  /** REDIS_URL names a Redis Cluster (apps/charging/src/infra/redis.ts). */
  RATEL_REDIS_CLUSTER: bool.default(false),
  NATS_URL: z.string().min(1),
  DATABASE_URL: z.string().url(),
  /** Prefix of every Redis key this deployment writes; lets several deployments share a Redis. */
  RATEL_REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{0,32}$/)
    .default('ratel:'),
  RATEL_GRPC_HOST: z.string().default('127.0.0.1'),
  RATEL_GRPC_PORT: port.default(50051),
  /** Plaintext gRPC is allowed only when this says so explicitly. */
  RATEL_GRPC_INSECURE: bool.default(false),
  RATEL_GRPC_TLS_CERT: z.string().optional(),
  RATEL_GRPC_TLS_KEY: z.string().optional(),
  /** When set, clients must present a certificate signed by this CA. */
  RATEL_GRPC_TLS_CLIENT_CA: z.string().optional(),
  RATEL_HTTP_HOST: z.string().default('127.0.0.1'),
  RATEL_HTTP_PORT: port.default(8080),
  /** RATEL_API_KEYS (keys and their roles), RATEL_JWT_SECRET, RATEL_JWT_JWKS_URL, RATEL_JWT_ISSUER, RATEL_JWT_AUDIENCE. */
  ...authConfigShape,
  RATEL_RELAY_ENABLED: bool.default(true),
  RATEL_EXPIRY_SWEEP_ENABLED: bool.default(true),
  /** Send the charging calls of one event-loop turn as one script call per slot bucket, pipelined (balance/charge-coalescer.ts). */
  RATEL_CHARGE_COALESCE_ENABLED: bool.default(true),
  /** Finish top-ups the engine has not confirmed, every minute (provisioning/top-ups/top-up-reconciler.ts). */
  RATEL_TOPUP_RECONCILE_ENABLED: bool.default(true),
  /** Keep subscriber routes in memory, invalidated by the route-change channel (charging/route-cache.ts). */
  RATEL_ROUTE_CACHE_ENABLED: bool.default(true),
  /** Keep the balance journal in PostgreSQL from the rated-event stream (journal/balance-journal.ts); one instance reads at a time. */
  RATEL_JOURNAL_ENABLED: bool.default(true),
  RATEL_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type ChargingConfig = z.infer<typeof chargingConfigSchema>;

export function loadChargingConfig(env: NodeJS.ProcessEnv = process.env): ChargingConfig {
  const cfg = loadConfig(chargingConfigSchema, env);
  if (!cfg.RATEL_GRPC_INSECURE && !(cfg.RATEL_GRPC_TLS_CERT && cfg.RATEL_GRPC_TLS_KEY)) {
    throw new ConfigError('invalid configuration:\n  RATEL_GRPC_TLS_CERT/RATEL_GRPC_TLS_KEY: required unless RATEL_GRPC_INSECURE=true');
  }
  if (!hasCredentials(cfg)) {
    throw new ConfigError(
      'invalid configuration:\n  RATEL_API_KEYS/RATEL_JWT_SECRET/RATEL_JWT_JWKS_URL: set at least one; provisioning is never anonymous',
    );
  }
  return cfg;
}

/** Injection token of the charging app's config. */
export const CHARGING_CONFIG = Symbol('CHARGING_CONFIG');
