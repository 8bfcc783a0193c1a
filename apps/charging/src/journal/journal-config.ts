/** Configuration of the standalone balance journal process (journal-main.ts), read once at start. */
import { z } from 'zod';
import { loadConfig } from '@app/config';
import { chargingConfigSchema } from '../config';

export const journalConfigSchema = chargingConfigSchema.pick({ DATABASE_URL: true, NATS_URL: true, RATEL_LOG_LEVEL: true }).extend({
  /** Tests only: read `<p>_RATEL_RATED` (the relay's RATEL_STREAM_PREFIX). */
  RATEL_STREAM_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{0,32}$/)
    .default(''),
  /** Port of the /metrics endpoint; 0 turns it off. */
  RATEL_JOURNAL_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  RATEL_JOURNAL_METRICS_HOST: z.string().default('127.0.0.1'),
});

export type JournalConfig = z.infer<typeof journalConfigSchema>;

export function loadJournalConfig(env: NodeJS.ProcessEnv = process.env): JournalConfig {
  return loadConfig(journalConfigSchema, env);
}
