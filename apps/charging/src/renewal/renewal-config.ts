/** Configuration of the renewal worker (renewal-main.ts) and of `ratel renewals run-due`, read once at start. */
import { z } from 'zod';
import { loadConfig } from '@app/config';
import { chargingConfigSchema } from '../config';
import { RENEWAL_RUN_INTERVAL_MS } from './renewal.limits';

/** Shortest and longest time between two runs. */
const RENEWAL_INTERVAL_MIN_MS = 1_000;
const RENEWAL_INTERVAL_MAX_MS = 3_600_000;

export const renewalConfigSchema = chargingConfigSchema
  .pick({ REDIS_URL: true, RATEL_REDIS_CLUSTER: true, DATABASE_URL: true, RATEL_REDIS_PREFIX: true, RATEL_LOG_LEVEL: true })
  .extend({
    /** Time between the end of one run and the start of the next. */
    RATEL_RENEWAL_INTERVAL_MS: z.coerce
      .number()
      .int()
      .min(RENEWAL_INTERVAL_MIN_MS)
      .max(RENEWAL_INTERVAL_MAX_MS)
      .default(RENEWAL_RUN_INTERVAL_MS),
    /** Port of /healthz, /readyz and /metrics; 0 turns it off. */
    RATEL_RENEWAL_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(0),
    RATEL_RENEWAL_METRICS_HOST: z.string().default('127.0.0.1'),
  });

export type RenewalConfig = z.infer<typeof renewalConfigSchema>;

export function loadRenewalConfig(env: NodeJS.ProcessEnv = process.env): RenewalConfig {
  return loadConfig(renewalConfigSchema, env);
}
