/**
 * Configuration of `ratel invoice-run` (the coordinator and its workers, locally or in Kubernetes
 * Jobs), read once at start; a missing or malformed variable stops the command with exit 2 naming it.
 *
 *   DATABASE_URL              PostgreSQL: run state, cycles, accounts, documents
 *   NATS_URL                  JetStream: the sink consumer's ack floor (the usage watermark), billing events
 *   CLICKHOUSE_URL, CLICKHOUSE_DATABASE   the rated events (usage lines, one query per shard)
 *   SINK_STREAM, SINK_CONSUMER            the rated stream and the ClickHouse sink's consumer on it
 *   INVOICE_RUN_SHARDS        shards of a new run (a Kubernetes Indexed Job's completions)
 *   INVOICE_RUN_WORKERS       local worker processes per sharded phase
 *   INVOICE_RUN_LEASE_MS      lease of a claimed step; a dead worker's step is taken over after it
 *   INVOICE_DOCUMENTS_DIR     the document store (rendered PDFs): a folder, a volume on Kubernetes
 *   INVOICE_USAGE_SPIKE_FACTOR, INVOICE_FIRST_INVOICE_MAX_MINOR, INVOICE_RUN_MOVEMENT_MAX_SHARE
 *                             the review thresholds of VALIDATE (validate/draft-checks.ts)
 *   RATEL_LOG_LEVEL
 */
import { ConfigError } from '@app/config';
import { RATED_STREAM } from '@app/events';
import { z } from 'zod';
import { RUN_SHARDS_MAX, STEP_LEASE_DEFAULT_MS, STEP_LEASE_MAX_MS, STEP_LEASE_MIN_MS } from './run-phases';
import {
  FIRST_INVOICE_MAX_MINOR_DEFAULT,
  RUN_MOVEMENT_MAX_SHARE_DEFAULT,
  USAGE_SPIKE_FACTOR_DEFAULT,
  type ValidationLimits,
} from '../validate/draft-checks';

const decimal = z.string().regex(/^[0-9]{1,6}(\.[0-9]{1,6})?$/, 'a decimal number');

/** Local worker processes of one phase. */
export const RUN_WORKERS_MAX = 64;
export const RUN_SHARDS_DEFAULT = 8;
export const RUN_WORKERS_DEFAULT = 2;

const jsName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must match ^[A-Za-z0-9_-]{1,64}$');

export const invoiceRunConfigSchema = z.object({
  DATABASE_URL: z.string().url(),
  NATS_URL: z.string().min(1),
  CLICKHOUSE_URL: z.string().url(),
  CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'must be a ClickHouse identifier')
    .default('ratel'),
  SINK_STREAM: jsName.default(RATED_STREAM),
  SINK_CONSUMER: jsName.default('invoicing-clickhouse-sink'),
  INVOICE_RUN_SHARDS: z.coerce.number().int().min(1).max(RUN_SHARDS_MAX).default(RUN_SHARDS_DEFAULT),
  INVOICE_RUN_WORKERS: z.coerce.number().int().min(1).max(RUN_WORKERS_MAX).default(RUN_WORKERS_DEFAULT),
  INVOICE_RUN_LEASE_MS: z.coerce.number().int().min(STEP_LEASE_MIN_MS).max(STEP_LEASE_MAX_MS).default(STEP_LEASE_DEFAULT_MS),
  INVOICE_DOCUMENTS_DIR: z.string().min(1).default('.ratel/documents'),
  INVOICE_USAGE_SPIKE_FACTOR: decimal.refine((v) => Number(v) > 1, 'above 1').default(USAGE_SPIKE_FACTOR_DEFAULT),
  INVOICE_FIRST_INVOICE_MAX_MINOR: z
    .string()
    .regex(/^[0-9]{1,18}$/, 'an integer of minor units')
    .default(FIRST_INVOICE_MAX_MINOR_DEFAULT.toString()),
  INVOICE_RUN_MOVEMENT_MAX_SHARE: decimal
    .refine((v) => Number(v) > 0 && Number(v) <= 1, 'in (0, 1]')
    .default(RUN_MOVEMENT_MAX_SHARE_DEFAULT),
  RATEL_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** The review thresholds of the configuration. */
export function validationLimitsOf(c: InvoiceRunConfig): ValidationLimits {
  return {
    usageSpikeFactor: c.INVOICE_USAGE_SPIKE_FACTOR,
    firstInvoiceMaxMinor: BigInt(c.INVOICE_FIRST_INVOICE_MAX_MINOR),
    runMovementMaxShare: c.INVOICE_RUN_MOVEMENT_MAX_SHARE,
  };
}

export type InvoiceRunConfig = z.infer<typeof invoiceRunConfigSchema>;

export function loadInvoiceRunConfig(env: NodeJS.ProcessEnv): InvoiceRunConfig {
  const r = invoiceRunConfigSchema.safeParse(env);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new ConfigError(`invalid invoice-run configuration: ${issues.join('; ')}`);
}
