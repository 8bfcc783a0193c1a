/**
 * Configuration of the invoicing process (today: the rated-event sink), read once at start. A
 * missing or malformed variable stops the process with a message naming it (ConfigError).
 */
import { ConfigError } from '@app/config';
import { RATED_STREAM } from '@app/events';
import { z } from 'zod';
import {
  ACK_WAIT_DEFAULT_MS,
  ACK_WAIT_MARGIN_MS,
  BATCH_MAX_DEFAULT,
  BATCH_MAX_LIMIT,
  FETCH_WAIT_DEFAULT_MS,
  FETCH_WAIT_MAX_MS,
  FETCH_WAIT_MIN_MS,
  INSERT_TIMEOUT_DEFAULT_MS,
  SHUTDOWN_GRACE_DEFAULT_MS,
} from './ingest/sink-limits';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const port = z.coerce.number().int().min(0).max(65535);
const ms = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** JetStream stream and consumer names: no `.`, `*`, `>` or whitespace. */
const jsName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must match ^[A-Za-z0-9_-]{1,64}$');

export const invoicingConfigSchema = z
  .object({
    NATS_URL: z.string().min(1),
    /** ClickHouse HTTP endpoint; may carry credentials, so it is never logged as is. */
    CLICKHOUSE_URL: z.string().url(),
    CLICKHOUSE_DATABASE: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'must be a ClickHouse identifier')
      .default('ratel'),
    /** The rated-event stream (created by the charging relay) and this sink's durable consumer on it. */
    SINK_STREAM: jsName.default(RATED_STREAM),
    SINK_CONSUMER: jsName.default('invoicing-clickhouse-sink'),
    /** Optional subject filter of the consumer; empty = every subject of the stream. */
    SINK_FILTER_SUBJECT: z
      .string()
      .regex(/^[A-Za-z0-9_.*>-]{0,255}$/)
      .default(''),
    /** Most messages fetched and inserted as one batch. */
    SINK_BATCH_MAX: z.coerce.number().int().min(1).max(BATCH_MAX_LIMIT).default(BATCH_MAX_DEFAULT),
    /** How long one fetch waits for a batch to fill (nats.js requires at least 1 s). */
    SINK_FETCH_WAIT_MS: ms(FETCH_WAIT_MIN_MS, FETCH_WAIT_MAX_MS).default(FETCH_WAIT_DEFAULT_MS),
    /** JetStream ack wait of the consumer: an unacknowledged message is redelivered after it. */
    SINK_ACK_WAIT_MS: ms(1_000, 3_600_000).default(ACK_WAIT_DEFAULT_MS),
    /** Bound of one ClickHouse insert request; a slower insert counts as failed and is retried. */
    SINK_INSERT_TIMEOUT_MS: ms(500, 300_000).default(INSERT_TIMEOUT_DEFAULT_MS),
    /** After SIGTERM, how long the batch in hand may keep retrying its insert. */
    SINK_SHUTDOWN_GRACE_MS: ms(0, 600_000).default(SHUTDOWN_GRACE_DEFAULT_MS),
    /** Apply the ClickHouse migrations at start. */
    SINK_MIGRATE: bool.default(true),
    SINK_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    /** Port of GET /metrics and /healthz; 0 = any free port (tests). */
    SINK_METRICS_PORT: port.default(9465),
  })
  .superRefine((c, ctx) => {
    // A held batch is kept alive with in-progress acks; the longest stretch without one is a
    // single insert attempt, which must end well within the ack wait or the batch is redelivered.
    if (c.SINK_ACK_WAIT_MS < c.SINK_INSERT_TIMEOUT_MS + ACK_WAIT_MARGIN_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['SINK_ACK_WAIT_MS'],
        message: `must be at least SINK_INSERT_TIMEOUT_MS + ${ACK_WAIT_MARGIN_MS} ms`,
      });
    }
  });

export type InvoicingConfig = z.infer<typeof invoicingConfigSchema>;

export function loadInvoicingConfig(env: NodeJS.ProcessEnv): InvoicingConfig {
  const r = invoicingConfigSchema.safeParse(env);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new ConfigError(`invalid invoicing configuration: ${issues.join('; ')}`);
}

/** The config as it may be logged: URLs without credentials. */
export function printableConfig(c: InvoicingConfig): Record<string, unknown> {
  const strip = (u: string) => u.replace(/\/\/[^/@]*@/, '//***@');
  return { ...c, NATS_URL: strip(c.NATS_URL), CLICKHOUSE_URL: strip(c.CLICKHOUSE_URL) };
}
