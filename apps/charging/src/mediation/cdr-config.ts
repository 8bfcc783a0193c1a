/**
 * Configuration of the CDR mediation process (mediation-main.ts), read once at start with
 * `loadCdrConfig(process.env)` and handed to `CdrModule.forRoot`. A missing or malformed variable
 * stops the process at boot with a ConfigError naming it (exit 2, runMain). The API is never
 * anonymous: RATEL_API_KEYS or RATEL_JWT_SECRET must be set (the same variables, and the same
 * rules, as the invoicing and provisioning APIs).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authConfigShape, hasCredentials } from '@app/auth';
import { bool, ConfigError, loadConfig, redactConfig } from '@app/config';
import { RATED_SUBJECT_PREFIX } from '@app/events';
import { z } from 'zod';
import {
  CDR_BATCH_RECORDS_DEFAULT,
  CDR_BATCH_RECORDS_MAX,
  CDR_DEDUP_WINDOW_MS_DEFAULT,
  CDR_DEDUP_WINDOW_MAX_MS,
  CDR_DEDUP_WINDOW_MIN_MS,
  CDR_POLL_INTERVAL_MS_DEFAULT,
  CDR_POLL_INTERVAL_MAX_MS,
  CDR_POLL_INTERVAL_MIN_MS,
  CDR_RATING_WORKERS_DEFAULT,
  CDR_RATING_WORKERS_MAX,
} from './cdr.limits';

/** Default listen address of the mediation HTTP API (CDR upload and reads, /healthz, /readyz, /metrics). */
export const MEDIATION_HTTP_HOST_DEFAULT = '127.0.0.1';
export const MEDIATION_HTTP_PORT_DEFAULT = 8082;

const redisUrl = z
  .string()
  .min(1)
  .refine(
    (v) => v.split(',').every((u) => URL.canParse(u.trim())),
    'must be a redis:// URL, or a comma-separated list of them with RATEL_REDIS_CLUSTER',
  );

export const cdrConfigSchema = z
  .object({
    /** Redis of the charging engine (projection read, dedup keys written); may carry credentials. */
    REDIS_URL: redisUrl,
    /** REDIS_URL names a Redis Cluster (seed nodes, comma-separated), as the charging app's. */
    RATEL_REDIS_CLUSTER: bool.default(false),
    /** Key prefix of the charging engine's keys in Redis. */
    RATEL_REDIS_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{0,32}$/)
      .default('ratel:'),
    NATS_URL: z.string().min(1),
    /** RATEL_API_KEYS (keys and their roles), RATEL_JWT_SECRET, RATEL_JWT_JWKS_URL, RATEL_JWT_ISSUER, RATEL_JWT_AUDIENCE. */
    ...authConfigShape,
    RATEL_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .extend({
    /** ClickHouse HTTP endpoint (file summaries and rejects); may carry credentials. */
    CLICKHOUSE_URL: z.string().url(),
    CLICKHOUSE_DATABASE: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'must be a ClickHouse identifier')
      .default('ratel'),
    /** Apply the ClickHouse migrations at start (safe next to the invoicing sink doing the same). */
    CDR_MIGRATE: bool.default(true),
    /** HTTP API of the process; port 0 = any free port (tests). */
    RATEL_MEDIATION_HTTP_HOST: z.string().min(1).default(MEDIATION_HTTP_HOST_DEFAULT),
    RATEL_MEDIATION_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(MEDIATION_HTTP_PORT_DEFAULT),
    /** Watched directory (voice/ and data/ below it); empty = no watcher, API only. */
    CDR_WATCH_DIR: z.string().default(''),
    /** How long between two listings of the watched directory. */
    CDR_POLL_INTERVAL_MS: z.coerce
      .number()
      .int()
      .min(CDR_POLL_INTERVAL_MIN_MS)
      .max(CDR_POLL_INTERVAL_MAX_MS)
      .default(CDR_POLL_INTERVAL_MS_DEFAULT),
    /** Worker threads of the rating pool. */
    CDR_RATING_WORKERS: z.coerce.number().int().min(1).max(CDR_RATING_WORKERS_MAX).default(CDR_RATING_WORKERS_DEFAULT),
    /** Records per rating task. */
    CDR_BATCH_RECORDS: z.coerce.number().int().min(1).max(CDR_BATCH_RECORDS_MAX).default(CDR_BATCH_RECORDS_DEFAULT),
    /** Where uploads are spooled while they are scanned and rated (deleted afterwards). */
    CDR_SPOOL_DIR: z.string().min(1).default(join(tmpdir(), 'ratel-cdr-spool')),
    /** How long a rated record is remembered against re-exports in other files (cdr.limits.ts). */
    RATEL_CDR_DEDUP_WINDOW_MS: z.coerce
      .number()
      .int()
      .min(CDR_DEDUP_WINDOW_MIN_MS)
      .max(CDR_DEDUP_WINDOW_MAX_MS)
      .default(CDR_DEDUP_WINDOW_MS_DEFAULT),
    /** Subject prefix of the rated events; the account id is the last token. */
    CDR_SUBJECT_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'must be NATS subject tokens separated by dots')
      .default(RATED_SUBJECT_PREFIX),
  });

export type CdrConfig = z.infer<typeof cdrConfigSchema>;

/** `api: false` for the command-line ingest, which serves no API and needs no credentials. */
export function loadCdrConfig(env: NodeJS.ProcessEnv = process.env, o: { api: boolean } = { api: true }): CdrConfig {
  const config = loadConfig(cdrConfigSchema, env);
  if (o.api && !hasCredentials(config)) {
    throw new ConfigError(
      'invalid configuration:\n  RATEL_API_KEYS/RATEL_JWT_SECRET/RATEL_JWT_JWKS_URL: set at least one; the CDR API is never anonymous',
    );
  }
  return config;
}

/** The config as it may be logged: secrets masked, URLs without their credentials. */
export function printableCdrConfig(c: CdrConfig): Record<string, unknown> {
  const strip = (u: string) => u.replace(/\/\/[^/@]*@/g, '//***@');
  return { ...redactConfig(c), REDIS_URL: strip(c.REDIS_URL), NATS_URL: strip(c.NATS_URL), CLICKHOUSE_URL: strip(c.CLICKHOUSE_URL) };
}
