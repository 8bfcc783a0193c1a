/**
 * Configuration of the invoicing process (the rated-event sink, the usage/assurance HTTP API),
 * read once at start. A missing or malformed variable stops the process with a message naming it
 * (ConfigError). Secrets (API keys, JWT secret, credentials in URLs) are never printed.
 */
import { type AuthConfig, authConfigShape, hasCredentials } from '@app/auth';
import { bool, ConfigError, port } from '@app/config';
import { RATED_STREAM, RATED_SUBJECT_PREFIX } from '@app/events';
import { z } from 'zod';
import {
  ASSURANCE_ACCOUNTS_REPORTED_DEFAULT,
  ASSURANCE_ACCOUNTS_REPORTED_LIMIT,
  ASSURANCE_EVENTS_MAX_DEFAULT,
  ASSURANCE_EVENTS_MAX_LIMIT,
  ASSURANCE_PUBLISH_DELAY_MAX_DEFAULT_MS,
  ASSURANCE_SCAN_MESSAGES_MAX_DEFAULT,
  ASSURANCE_SCAN_MESSAGES_MAX_LIMIT,
} from './assurance/assurance-limits';
import { RUN_SHARDS_MAX } from './billing/run/run-phases';
import { RUN_SHARDS_DEFAULT, RUN_WORKERS_DEFAULT, RUN_WORKERS_MAX } from './billing/run/run-config';
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

const ms = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** JetStream stream and consumer names: no `.`, `*`, `>` or whitespace. */
const jsName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must match ^[A-Za-z0-9_-]{1,64}$');

/** What one process runs: the JetStream -> ClickHouse sink, the HTTP API, or both (default). */
export const INVOICING_ROLES = ['sink', 'api'] as const;
export type InvoicingRole = (typeof INVOICING_ROLES)[number];
const roles = z
  .string()
  .transform((v) => v.split(',').map((r) => r.trim()))
  .pipe(z.array(z.enum(INVOICING_ROLES)).min(1))
  .refine((r) => new Set(r).size === r.length, 'each role at most once')
  .transform((r) => r as readonly InvoicingRole[]);
/** Variables whose values are never printed. */
const SECRETS = ['RATEL_API_KEYS', 'RATEL_JWT_SECRET'] as const;

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
    /** Comma list of roles of this process: sink, api (default both). */
    RATEL_INVOICING_ROLES: roles.default(['sink', 'api']),
    /** Usage / assurance HTTP API (and /metrics, /healthz when the api role runs). Port 0 = any (tests). */
    INVOICING_HTTP_HOST: z.string().min(1).default('127.0.0.1'),
    INVOICING_HTTP_PORT: port.default(8081),
    /**
     * PostgreSQL of billing (cycles, runs, documents). When set, the api role also serves the billing API
     * (/v1/billing/...) and drives the invoice runs started through it; without it, only usage and assurance.
     */
    DATABASE_URL: z.string().url().optional(),
    /** Invoice runs started through the API: shards of a new run, worker processes per sharded phase, and where they run. */
    INVOICE_RUN_SHARDS: z.coerce.number().int().min(1).max(RUN_SHARDS_MAX).default(RUN_SHARDS_DEFAULT),
    INVOICE_RUN_WORKERS: z.coerce.number().int().min(1).max(RUN_WORKERS_MAX).default(RUN_WORKERS_DEFAULT),
    INVOICE_RUN_LAUNCHER: z.enum(['local', 'kubernetes']).default('local'),
    /** The document store the billing API serves PDFs from (the folder the runs' RENDER writes to). */
    INVOICE_DOCUMENTS_DIR: z.string().min(1).default('.ratel/documents'),
    /** With INVOICE_RUN_LAUNCHER=kubernetes: the worker Job template (k8s/base/invoice-run-worker-job.yaml). */
    INVOICE_RUN_JOB_TEMPLATE: z.string().min(1).optional(),
    /** RATEL_API_KEYS (keys and their roles), RATEL_JWT_SECRET, RATEL_JWT_JWKS_URL, RATEL_JWT_ISSUER, RATEL_JWT_AUDIENCE. */
    ...authConfigShape,
    /** Revenue assurance: the stream read back, the subject prefix of its events, and the bounds of one run. */
    ASSURANCE_STREAM: jsName.optional(),
    ASSURANCE_SUBJECT_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'must be dot-separated subject tokens without wildcards')
      .default(RATED_SUBJECT_PREFIX),
    ASSURANCE_EVENTS_MAX: z.coerce.number().int().min(1).max(ASSURANCE_EVENTS_MAX_LIMIT).default(ASSURANCE_EVENTS_MAX_DEFAULT),
    ASSURANCE_ACCOUNTS_REPORTED_MAX: z.coerce
      .number()
      .int()
      .min(1)
      .max(ASSURANCE_ACCOUNTS_REPORTED_LIMIT)
      .default(ASSURANCE_ACCOUNTS_REPORTED_DEFAULT),
    /** Messages one run may read from the stream (from the period start to the stream's end). */
    ASSURANCE_SCAN_MESSAGES_MAX: z.coerce
      .number()
      .int()
      .min(1)
      .max(ASSURANCE_SCAN_MESSAGES_MAX_LIMIT)
      .default(ASSURANCE_SCAN_MESSAGES_MAX_DEFAULT),
    /** Events of a period published more than this after its end are late arrivals (reported, still compared). */
    ASSURANCE_PUBLISH_DELAY_MAX_MS: ms(0, 7 * 24 * 3_600_000).default(ASSURANCE_PUBLISH_DELAY_MAX_DEFAULT_MS),
  })
  .superRefine((c, ctx) => {
    if (c.INVOICE_RUN_LAUNCHER === 'kubernetes' && c.INVOICE_RUN_JOB_TEMPLATE === undefined)
      ctx.addIssue({ code: 'custom', path: ['INVOICE_RUN_JOB_TEMPLATE'], message: 'required with INVOICE_RUN_LAUNCHER=kubernetes' });
    // A held batch is kept alive with in-progress acks; the longest stretch without one is a
    // single insert attempt, which must end well within the ack wait or the batch is redelivered.
    if (c.SINK_ACK_WAIT_MS < c.SINK_INSERT_TIMEOUT_MS + ACK_WAIT_MARGIN_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['SINK_ACK_WAIT_MS'],
        message: `must be at least SINK_INSERT_TIMEOUT_MS + ${ACK_WAIT_MARGIN_MS} ms`,
      });
    }
  })
  .transform((c) => ({ ...c, ASSURANCE_STREAM: c.ASSURANCE_STREAM ?? c.SINK_STREAM }));

export type InvoicingConfig = z.infer<typeof invoicingConfigSchema>;

function parse(env: NodeJS.ProcessEnv): InvoicingConfig {
  const r = invoicingConfigSchema.safeParse(env);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new ConfigError(`invalid invoicing configuration: ${issues.join('; ')}`);
}

/**
 * The configuration, validated (every variable, and the sink's own rules). It does not insist on
 * API credentials: in-process sink tests and the command-line tools run no API. The API itself
 * fails closed without them (every request is refused); the process checks them at start with
 * `loadInvoicingProcessConfig`.
 */
export function loadInvoicingConfig(env: NodeJS.ProcessEnv): InvoicingConfig {
  return parse(env);
}

/** Throws ConfigError unless API keys, a JWT secret or a JWKS URL are configured: the API is never anonymous. */
export function assertApiCredentials(c: AuthConfig): void {
  if (!hasCredentials(c)) {
    throw new ConfigError(
      'invalid invoicing configuration: RATEL_API_KEYS/RATEL_JWT_SECRET/RATEL_JWT_JWKS_URL: set at least one when the api role runs (RATEL_INVOICING_ROLES)',
    );
  }
}

/** The configuration of the invoicing process (main.ts): with the api role, API credentials are required. */
export function loadInvoicingProcessConfig(env: NodeJS.ProcessEnv): InvoicingConfig {
  const c = parse(env);
  if (c.RATEL_INVOICING_ROLES.includes('api')) assertApiCredentials(c);
  return c;
}

/** The config as it may be logged: URLs without credentials. */
export function printableConfig(c: InvoicingConfig): Record<string, unknown> {
  const strip = (u: string) => u.replace(/\/\/[^/@]*@/, '//***@');
  const secrets = Object.fromEntries(SECRETS.map((k) => [k, c[k] === '' ? '' : '***']));
  return {
    ...c,
    ...secrets,
    NATS_URL: strip(c.NATS_URL),
    CLICKHOUSE_URL: strip(c.CLICKHOUSE_URL),
    ...(c.DATABASE_URL === undefined ? {} : { DATABASE_URL: strip(c.DATABASE_URL) }),
    RATEL_JWT_JWKS_URL: strip(c.RATEL_JWT_JWKS_URL),
  };
}
