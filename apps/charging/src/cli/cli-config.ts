/**
 * The configuration of the charging CLI commands (seed, rebuild, cdr ingest): DATABASE_URL,
 * REDIS_URL, RATEL_REDIS_PREFIX, validated once when a command starts. A missing or malformed
 * variable is a ConfigError naming it (exit code 2).
 */
import { z } from 'zod';
import { loadConfig } from '@app/config';
import { chargingConfigSchema } from '../config';

export const cliConfigSchema = z.object({
  DATABASE_URL: z.string().url(),
  REDIS_URL: chargingConfigSchema.shape.REDIS_URL,
  RATEL_REDIS_CLUSTER: chargingConfigSchema.shape.RATEL_REDIS_CLUSTER,
  RATEL_REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{0,32}$/)
    .default('ratel:'),
  /** Only the rebuild reads it (to catch the balance journal up). */
  NATS_URL: z.string().min(1).optional(),
  RATEL_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
});
export type CliConfig = z.infer<typeof cliConfigSchema>;

export function loadCliConfig(env: NodeJS.ProcessEnv = process.env): CliConfig {
  return loadConfig(cliConfigSchema, env);
}
