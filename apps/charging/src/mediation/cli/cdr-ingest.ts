/**
 * `cdr ingest`: rates CDR files from the command line, through the same use case as the API and
 * the watched directory (IngestCdrFileUseCase: same file ids, event ids, rejects and summaries),
 * without an HTTP server. Configuration from the environment, as the mediation process
 * (cdr-config.ts; no API credentials needed, CDR_WATCH_DIR ignored).
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register \
 *     apps/charging/src/mediation/cli/cdr-ingest.ts --format voice msc1-0800.csv [more.csv...]
 *
 * `runCdrIngest` is the function an operator CLI wraps. Exit codes of the script: 0 every file
 * rated (or already rated), 1 a file failed, 2 bad arguments or configuration.
 */
import 'reflect-metadata';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { NestFactory } from '@nestjs/core';
import { createClickhouseClient } from '@app/analytics';
import { ConfigError } from '@app/config';
import { createLogger, createRegistry, systemClock } from '@app/observability';
import { createRedis } from '@app/keyspace';
import { createNatsConnection, drainNats } from '@app/runtime';
import { loadCdrConfig } from '../cdr-config';
import { CdrError } from '../cdr-error';
import { CdrModule } from '../cdr.module';
import { CDR_PROGRESS, CdrProgress } from '../cdr-progress';
import { scanFile } from '../ingest/file-scan';
import type { CdrFileSummary } from '../storage/cdr-store';
import { IngestCdrFileCommand, parseFormat } from '../usecases/cdr-commands';
import { IngestCdrFileUseCase } from '../usecases/ingest-cdr-file.usecase';

export interface CdrIngestOptions {
  format: string;
  paths: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** Called after each file, in order (progress output). */
  onFile?: (result: CdrIngestFileResult) => void;
  /** Called while a file is rated: records done of `total` (progress bars). */
  onRecords?: (path: string, done: number, total: number) => void;
}

/** How often the progress of the file being rated is read for `onRecords`. */
const CDR_PROGRESS_POLL_MS = 250;

/** One file: scanned first (its id and line count give the progress total), then ingested. */
async function ingestOne(ingest: IngestCdrFileUseCase, progress: CdrProgress, format: string, path: string, o: CdrIngestOptions) {
  const scan = await scanFile(path, parseFormat(format));
  const total = Math.max(0, scan.lines - 1);
  o.onRecords?.(path, 0, total);
  const timer = setInterval(() => {
    const p = progress.get(scan.fileId);
    if (p !== undefined) o.onRecords?.(path, p.records, total);
  }, CDR_PROGRESS_POLL_MS);
  try {
    const r = await ingest.execute(IngestCdrFileCommand.create({ path, name: basename(path), format, source: 'API', scan }));
    o.onRecords?.(path, r.summary.records, total);
    return r;
  } finally {
    clearInterval(timer);
  }
}

export interface CdrIngestFileResult {
  path: string;
  summary?: CdrFileSummary;
  /** The same content was rated before: nothing was rated now. */
  duplicate?: boolean;
  /** Why the file was not rated (`CODE: message`). */
  error?: string;
}

/** Rates each file in turn; a file that fails does not stop the others. Throws ConfigError / CdrError on bad input. */
export async function runCdrIngest(o: CdrIngestOptions): Promise<CdrIngestFileResult[]> {
  const format = parseFormat(o.format);
  const config = { ...loadCdrConfig(o.env ?? process.env, { api: false }), CDR_WATCH_DIR: '' };
  const logger = createLogger('cdr-ingest', config.RATEL_LOG_LEVEL);
  const clickhouse = createClickhouseClient({ url: config.CLICKHOUSE_URL });
  const redis = createRedis(config.REDIS_URL, { cluster: config.RATEL_REDIS_CLUSTER });
  const nats = await createNatsConnection(config.NATS_URL, 'ratel-cdr-ingest');
  const registry = createRegistry('cdr-ingest');
  const cdr = CdrModule.forRoot({ config, redis, nats, clickhouse, registry, logger, clock: systemClock });
  const app = await NestFactory.createApplicationContext(cdr, { logger: ['error', 'warn'] });
  const results: CdrIngestFileResult[] = [];
  try {
    const ingest = app.get(IngestCdrFileUseCase);
    const progress = app.get<CdrProgress>(CDR_PROGRESS);
    for (const path of o.paths) {
      let result: CdrIngestFileResult;
      try {
        const r = await ingestOne(ingest, progress, format, path, o);
        result = { path, summary: r.summary, duplicate: r.duplicate };
      } catch (err) {
        result = { path, error: err instanceof CdrError ? `${err.code}: ${err.message}` : String(err) };
      }
      results.push(result);
      o.onFile?.(result);
    }
  } finally {
    await app.close();
    await drainNats(nats);
    await redis.quit().catch(() => redis.disconnect());
    await clickhouse.close();
  }
  return results;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { format: { type: 'string' } }, allowPositionals: true, strict: true });
  if (values.format === undefined || positionals.length === 0) throw new ConfigError('usage: cdr-ingest --format voice|data <file.csv>...');
  const results = await runCdrIngest({
    format: values.format,
    paths: positionals,
    onFile: (r) => process.stdout.write(`${JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`),
  });
  return results.some((r) => r.error !== undefined) ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`cdr-ingest: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(
        err instanceof ConfigError || err instanceof CdrError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1,
      );
    },
  );
}
