/**
 * Configuration of the delivery process (delivery-main.ts), read once at start; a missing or
 * malformed variable stops it (exit 2) naming the variable. DATABASE_URL and DELIVERY_SMTP_URL may
 * carry credentials and are never printed. A channel whose sender is not configured is not worked
 * on (its rows wait), so one process can serve email and another SMS.
 */
import { ConfigError, loadConfig } from '@app/config';
import { COLLECTIONS_STREAM, COLLECTIONS_SUBJECT_PREFIX, NOTIFY_STREAM, NOTIFY_SUBJECTS } from '@app/events';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { z } from 'zod';
import {
  DELIVERY_ATTEMPTS_MAX,
  DELIVERY_BACKOFF_INITIAL_MS,
  DELIVERY_BACKOFF_MAX_MS,
  DELIVERY_IDLE_POLL_MS,
  DELIVERY_LEASE_MAX_MS,
  DELIVERY_LEASE_MIN_MS,
  DELIVERY_LEASE_MS,
} from './delivery-limits';
import { NOTIFICATION_LANGUAGES } from './notification-templates';

/** Highest configurable attempt count. */
export const DELIVERY_ATTEMPTS_LIMIT = 50;

const ms = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const jsName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must match ^[A-Za-z0-9_-]{1,64}$');
const optionalUrl = z
  .string()
  .default('')
  .refine((v) => v === '' || URL.canParse(v), 'must be a URL or empty');

export const deliveryConfigSchema = z.object({
  DATABASE_URL: z.string().min(1),
  /** Empty: the process does not read notifications. */
  NATS_URL: z.string().default(''),
  DELIVERY_WORKER_ID: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,100}$/)
    .default(`${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`),
  DELIVERY_LEASE_MS: ms(DELIVERY_LEASE_MIN_MS, DELIVERY_LEASE_MAX_MS).default(DELIVERY_LEASE_MS),
  DELIVERY_ATTEMPTS_MAX: z.coerce.number().int().min(1).max(DELIVERY_ATTEMPTS_LIMIT).default(DELIVERY_ATTEMPTS_MAX),
  DELIVERY_BACKOFF_INITIAL_MS: ms(1, DELIVERY_BACKOFF_MAX_MS).default(DELIVERY_BACKOFF_INITIAL_MS),
  DELIVERY_IDLE_POLL_MS: ms(10, 60_000).default(DELIVERY_IDLE_POLL_MS),
  /** RESEND (default): an in-doubt email is sent again with the same Message-ID; HOLD: FAILED for an operator. */
  DELIVERY_IN_DOUBT_EMAIL: z.enum(['RESEND', 'HOLD']).default('RESEND'),
  /** Empty: no EMAIL sending here. */
  DELIVERY_SMTP_URL: optionalUrl,
  DELIVERY_EMAIL_FROM: z.string().default('billing@ratel.invalid'),
  DELIVERY_MESSAGE_ID_DOMAIN: z
    .string()
    .regex(/^[A-Za-z0-9.-]{1,253}$/)
    .default('ratel.invalid'),
  /** The document store's folder (PDFs by key). */
  DELIVERY_DOCUMENTS_DIR: z.string().default('.ratel/documents'),
  /** Empty: no SMS sending here. */
  DELIVERY_SMS_GATEWAY_URL: optionalUrl,
  DELIVERY_SMS_FROM: z
    .string()
    .regex(/^[A-Za-z0-9 ]{1,11}$|^[0-9]{5,15}$/)
    .default('Ratel'),
  /** Send WEBHOOK deliveries (to a push service) from this process. */
  DELIVERY_WEBHOOK_ENABLED: z.enum(['true', 'false']).default('false'),
  /** Notifications: the stream, this consumer, the subjects, and how they reach the subscriber. */
  DELIVERY_NOTIFY_STREAM: jsName.default(NOTIFY_STREAM),
  DELIVERY_NOTIFY_CONSUMER: jsName.default('invoicing-notification-delivery'),
  DELIVERY_NOTIFY_FILTER_SUBJECT: z
    .string()
    .regex(/^[A-Za-z0-9_.*>-]{1,255}$/)
    .default(NOTIFY_SUBJECTS),
  DELIVERY_NOTIFY_ACK_WAIT_MS: ms(1_000, 3_600_000).default(30_000),
  DELIVERY_NOTIFY_CHANNEL: z.enum(['SMS', 'WEBHOOK']).default('SMS'),
  DELIVERY_PUSH_WEBHOOK_URL: optionalUrl,
  /** Dunning notices: collections' DUNNING_STEP_TAKEN events (the stream, this consumer, the subjects); sent in DELIVERY_DEFAULT_LANGUAGE. */
  DELIVERY_DUNNING_STREAM: jsName.default(COLLECTIONS_STREAM),
  DELIVERY_DUNNING_CONSUMER: jsName.default('invoicing-dunning-notice-delivery'),
  DELIVERY_DUNNING_FILTER_SUBJECT: z
    .string()
    .regex(/^[A-Za-z0-9_.*>-]{1,255}$/)
    .default(`${COLLECTIONS_SUBJECT_PREFIX}.dunning-step.>`),
  DELIVERY_DEFAULT_LANGUAGE: z.enum(NOTIFICATION_LANGUAGES).default('en'),
  DELIVERY_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** GET /metrics, /healthz, /readyz; 0 = any free port. */
  DELIVERY_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9467),
});

export type DeliveryConfig = z.infer<typeof deliveryConfigSchema>;

export function loadDeliveryConfig(env: NodeJS.ProcessEnv = process.env): DeliveryConfig {
  const cfg = loadConfig(deliveryConfigSchema, env);
  if (cfg.DELIVERY_NOTIFY_CHANNEL === 'WEBHOOK' && cfg.DELIVERY_PUSH_WEBHOOK_URL === '')
    throw new ConfigError('invalid configuration:\n  DELIVERY_PUSH_WEBHOOK_URL: required when DELIVERY_NOTIFY_CHANNEL=WEBHOOK');
  return cfg;
}

/** The configuration to log: URLs that may carry credentials are reduced to their host. */
export function printableDeliveryConfig(cfg: DeliveryConfig): Record<string, unknown> {
  const host = (url: string) => (url === '' ? '' : URL.canParse(url) ? new URL(url).host : '***');
  return { ...cfg, DATABASE_URL: host(cfg.DATABASE_URL), DELIVERY_SMTP_URL: host(cfg.DELIVERY_SMTP_URL), NATS_URL: host(cfg.NATS_URL) };
}
