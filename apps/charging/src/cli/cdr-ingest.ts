/**
 * `ratel cdr ingest --format voice|data FILE...`: rates CDR files from disk with the same use case
 * as the watched directory and the upload API (scan, rate in the worker pool, publish the rated
 * events, summary and rejects in ClickHouse), one file after the other, and prints each file's
 * summary as one JSON line. A file already ingested (same content) is skipped. Progress per file
 * (records of its lines) goes to stderr: a bar on a terminal, lines otherwise.
 *
 * The CDR code still lives in apps/invoicing/src/cdr; it moves to apps/charging/src/mediation
 * (issue 8), and these imports with it.
 */
import { basename } from 'node:path';
import { z } from 'zod';
import { connect } from 'nats';
import { createClickhouseClient } from '@app/analytics';
import { loadConfig } from '@app/config';
import { createRedis } from '@app/keyspace';
import { createLogger, createRegistry, systemClock } from '@app/observability';
import { startProgress } from '@app/runtime/progress';
import { CdrError } from '../../../invoicing/src/cdr/cdr-error';
import { loadCdrConfig } from '../../../invoicing/src/cdr/cdr-config';
import { createCdrMetrics } from '../../../invoicing/src/cdr/cdr-metrics';
import { CdrProgress } from '../../../invoicing/src/cdr/cdr-progress';
import { scanFile } from '../../../invoicing/src/cdr/ingest/file-scan';
import { CdrRatingPool } from '../../../invoicing/src/cdr/rating/cdr-rating-pool';
import { ClickhouseCdrStore } from '../../../invoicing/src/cdr/storage/clickhouse-cdr-store';
import { JetStreamCdrPublisher } from '../../../invoicing/src/cdr/storage/event-publisher';
import { RedisSubscriberDirectory } from '../../../invoicing/src/cdr/storage/subscriber-directory';
import { IngestCdrFileCommand } from '../../../invoicing/src/cdr/usecases/cdr-commands';
import { IngestCdrFileUseCase, type IngestResult } from '../../../invoicing/src/cdr/usecases/ingest-cdr-file.usecase';
import type { CdrIngestRequest } from './commands';

/** How often the progress of the file being rated is read. */
const CDR_PROGRESS_POLL_MS = 250;
/** Longest wait for the first NATS connection. */
const NATS_CONNECT_TIMEOUT_MS = 10_000;

const serversSchema = z.object({ NATS_URL: z.string().min(1), CLICKHOUSE_URL: z.string().url() });

const json = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

/** One file: scanned first (its id and lines give the progress total), then ingested. */
async function ingestOne(useCase: IngestCdrFileUseCase, progressOf: CdrProgress, format: string, path: string): Promise<IngestResult> {
  const name = basename(path);
  const scan = await scanFile(path, format as CdrIngestRequest['format']);
  const command = IngestCdrFileCommand.create({ path, name, format, source: 'API', scan });
  const progress = startProgress({ label: `cdr ingest ${name}`, total: Math.max(0, scan.lines - 1), unit: 'records' });
  const timer = setInterval(() => {
    const p = progressOf.get(scan.fileId);
    if (p !== undefined) progress.update(p.records);
  }, CDR_PROGRESS_POLL_MS);
  try {
    const result = await useCase.execute(command);
    progress.update(result.summary.records);
    return result;
  } finally {
    clearInterval(timer);
    progress.stop();
  }
}

export async function runCdrIngest(request: CdrIngestRequest): Promise<void> {
  const config = loadCdrConfig(process.env);
  const servers = loadConfig(serversSchema);
  const logger = createLogger('cdr-ingest', process.env.RATEL_LOG_LEVEL ?? 'warn');
  const registry = createRegistry('charging');
  const metrics = createCdrMetrics(registry);
  const nc = await connect({ servers: servers.NATS_URL, name: 'ratel-cdr-ingest', timeout: NATS_CONNECT_TIMEOUT_MS });
  const redis = createRedis(config.REDIS_URL, { cluster: config.RATEL_REDIS_CLUSTER });
  const clickhouse = createClickhouseClient({ url: servers.CLICKHOUSE_URL });
  const pool = new CdrRatingPool(config.CDR_RATING_WORKERS);
  const progress = new CdrProgress(metrics);
  const useCase = new IngestCdrFileUseCase(
    new ClickhouseCdrStore(clickhouse, config.CLICKHOUSE_DATABASE),
    new RedisSubscriberDirectory(redis, config.RATEL_REDIS_PREFIX),
    new JetStreamCdrPublisher(nc, config.CDR_SUBJECT_PREFIX),
    pool,
    progress,
    metrics,
    systemClock,
    logger,
    { config },
  );
  let failed = 0;
  try {
    for (const path of request.files) {
      try {
        const { summary, duplicate } = await ingestOne(useCase, progress, request.format, path);
        process.stdout.write(`${json({ file: path, duplicate, ...summary })}\n`);
      } catch (err) {
        failed++;
        const why = err instanceof CdrError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
        process.stderr.write(`ratel cdr ingest: ${path}: ${why}\n`);
      }
    }
  } finally {
    await pool.close();
    await nc.drain().catch(() => undefined);
    await redis.quit().catch(() => redis.disconnect());
    await clickhouse.close();
  }
  if (failed > 0) throw new Error(`${failed} of ${request.files.length} files failed`);
}
