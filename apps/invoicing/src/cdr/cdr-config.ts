/**
 * Configuration of CDR mediation, read once by the host (`loadCdrConfig(process.env)`) and handed
 * to `CdrModule.forRoot`. A missing or malformed variable stops the host at boot with a
 * ConfigError naming it. Authentication is the host's (InvoicingAuthGuard: RATEL_API_KEYS,
 * RATEL_JWT_SECRET of the invoicing config).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chargingConfigSchema, ConfigError } from '@app/config';
import { RATED_SUBJECT_PREFIX } from '@app/events';
import { z } from 'zod';
import {
  CDR_BATCH_RECORDS_DEFAULT,
  CDR_BATCH_RECORDS_MAX,
  CDR_POLL_INTERVAL_MS_DEFAULT,
  CDR_POLL_INTERVAL_MS_MAX,
  CDR_POLL_INTERVAL_MS_MIN,
  CDR_RATING_WORKERS_DEFAULT,
  CDR_RATING_WORKERS_MAX,
} from './cdr.limits';

export const cdrConfigSchema = z.object({
    /** Redis of the charging engine's projection (subscriber routes, accounts, plans), read only; may carry credentials. With RATEL_REDIS_CLUSTER, seed nodes, comma-separated. */
    REDIS_URL: chargingConfigSchema.shape.REDIS_URL,
    /** REDIS_URL names a Redis Cluster (as the charging app's RATEL_REDIS_CLUSTER). */
    RATEL_REDIS_CLUSTER: chargingConfigSchema.shape.RATEL_REDIS_CLUSTER,
    /** Watched directory (voice/ and data/ below it); empty = no watcher, API only. */
    CDR_WATCH_DIR: z.string().default(''),
    /** How often the watched directory is listed. */
    CDR_POLL_INTERVAL_MS: z.coerce.number().int().min(CDR_POLL_INTERVAL_MS_MIN).max(CDR_POLL_INTERVAL_MS_MAX).default(CDR_POLL_INTERVAL_MS_DEFAULT),
    /** Worker threads of the rating pool. */
    CDR_RATING_WORKERS: z.coerce.number().int().min(1).max(CDR_RATING_WORKERS_MAX).default(CDR_RATING_WORKERS_DEFAULT),
    /** Records per rating task. */
    CDR_BATCH_RECORDS: z.coerce.number().int().min(1).max(CDR_BATCH_RECORDS_MAX).default(CDR_BATCH_RECORDS_DEFAULT),
    /** Where uploads are spooled while they are scanned and rated (deleted afterwards). */
    CDR_SPOOL_DIR: z.string().min(1).default(join(tmpdir(), 'ratel-cdr-spool')),
    /** Subject prefix of the rated events; the account id is the last token. */
    CDR_SUBJECT_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'must be NATS subject tokens separated by dots').default(RATED_SUBJECT_PREFIX),
    CLICKHOUSE_DATABASE: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'must be a ClickHouse identifier').default('ratel'),
    /** Key prefix of the charging engine's projection in Redis. */
    RATEL_REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_.:-]{0,32}$/).default('ratel:'),
});

export type CdrConfig = z.infer<typeof cdrConfigSchema>;

export function loadCdrConfig(env: NodeJS.ProcessEnv): CdrConfig {
  const r = cdrConfigSchema.safeParse(env);
  if (r.success) return r.data;
  throw new ConfigError(`invalid CDR configuration: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
}

/** The config as it may be logged: URLs without their credentials. */
export function printableCdrConfig(c: CdrConfig): Record<string, unknown> {
  return { ...c, REDIS_URL: c.REDIS_URL.replace(/\/\/[^/@]*@/g, '//***@') };
}
