/** What the phases of an invoice run work with; built once per worker process (cli/invoice-run.ts). */
import type { ClickHouseClient } from '@app/analytics';
import type { Clock, Logger } from '@app/observability';
import type { Pool } from 'pg';
import type { PgCycleService } from '../cycles/cycle-service';
import type { Finalizer } from '../documents/finalize';
import type { PgDocumentStore } from '../documents/pg-document-store';
import type { UsageWatermarkSource } from '../plan/usage-watermark';
import type { PgRunStore } from '../run/run-store';
import type { ValidationLimits } from '../validate/draft-checks';

export interface BillingDeps {
  pool: Pool;
  runs: PgRunStore;
  cycles: PgCycleService;
  documents: PgDocumentStore;
  finalizer: Finalizer;
  clickhouse: ClickHouseClient;
  clickhouseDatabase: string;
  watermark: UsageWatermarkSource;
  validation: ValidationLimits;
  clock: Clock;
  logger: Logger;
}

/** Accounts computed (read, computed, written) per page of a COMPUTE step. */
export const COMPUTE_PAGE_ACCOUNTS = 1_000;
