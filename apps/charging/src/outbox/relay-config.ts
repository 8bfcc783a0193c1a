/** Configuration of the standalone relay process (relay-main.ts), read once at start. */
import { z } from 'zod';
import { loadConfig } from '@app/config';
import { RELAY_LEASE_MS } from './relay-limits';
import { NOTIFY_MAX_BYTES, RATED_MAX_BYTES } from './streams';
import { chargingConfigSchema } from '../config';

/** Bounds of RATEL_RELAY_LEASE_MS: short leases are for tests, long ones delay take-over. */
const LEASE_MIN_MS = 500;
const LEASE_MAX_MS = 60_000;
/** Smallest stream size cap accepted. JetStream reserves each stream's max bytes on the server. */
const STREAM_MAX_BYTES_MIN = 1024 * 1024;

export const relayConfigSchema = chargingConfigSchema
  .pick({ REDIS_URL: true, RATEL_REDIS_CLUSTER: true, NATS_URL: true, RATEL_REDIS_PREFIX: true, RATEL_LOG_LEVEL: true })
  .extend({
    /** Tests only: streams `<p>_RATEL_RATED`/`<p>_RATEL_NOTIFY` capturing `<p>.ratel.rated.v1.>`/`<p>.ratel.notify.v1.>`. */
    RATEL_STREAM_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]{0,32}$/)
      .default(''),
    /** How long a dead relay blocks a standby (default RELAY_LEASE_MS). */
    RATEL_RELAY_LEASE_MS: z.coerce.number().int().min(LEASE_MIN_MS).max(LEASE_MAX_MS).default(RELAY_LEASE_MS),
    /** Size caps of the two streams (JetStream reserves them on the server's store). */
    RATEL_RATED_MAX_BYTES: z.coerce.number().int().min(STREAM_MAX_BYTES_MIN).default(RATED_MAX_BYTES),
    RATEL_NOTIFY_MAX_BYTES: z.coerce.number().int().min(STREAM_MAX_BYTES_MIN).default(NOTIFY_MAX_BYTES),
    /** Port of the /metrics endpoint; 0 turns it off. */
    RATEL_RELAY_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(0),
    RATEL_RELAY_METRICS_HOST: z.string().default('127.0.0.1'),
  });

export type RelayConfig = z.infer<typeof relayConfigSchema>;

export function loadRelayConfig(env: NodeJS.ProcessEnv = process.env): RelayConfig {
  return loadConfig(relayConfigSchema, env);
}
