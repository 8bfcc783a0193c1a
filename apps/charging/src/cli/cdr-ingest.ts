/**
 * `ratel cdr ingest --format voice|data FILE...`: rates CDR files from disk with the same use case
 * as the watched directory and the upload API (mediation/cli/cdr-ingest.ts: scan, rate in the
 * worker pool, claim each record's identity, publish, summary and rejects in ClickHouse), one file
 * after the other, and prints each file's summary as one JSON line. A file already ingested (same
 * content) is skipped. Progress per file (records of its lines) goes to stderr: a bar on a
 * terminal, lines otherwise.
 */
import { basename } from 'node:path';
import { type Progress, startProgress } from '@app/runtime/progress';
import { runCdrIngest as ingestFiles } from '../mediation/cli/cdr-ingest';
import type { CdrIngestRequest } from './commands';

const json = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

export async function runCdrIngest(request: CdrIngestRequest): Promise<void> {
  let progress: Progress | undefined;
  let progressPath = '';
  const results = await ingestFiles({
    format: request.format,
    paths: request.files,
    env: { RATEL_LOG_LEVEL: 'warn', ...process.env },
    onRecords: (path, done, total) => {
      if (path !== progressPath) {
        progress?.stop();
        progressPath = path;
        progress = startProgress({ label: `cdr ingest ${basename(path)}`, total, unit: 'records' });
      }
      progress?.update(done);
    },
    onFile: (r) => {
      progress?.stop();
      progress = undefined;
      progressPath = '';
      if (r.error !== undefined) process.stderr.write(`ratel cdr ingest: ${r.path}: ${r.error}\n`);
      else process.stdout.write(`${json({ file: r.path, duplicate: r.duplicate, ...r.summary })}\n`);
    },
  });
  const failed = results.filter((r) => r.error !== undefined).length;
  if (failed > 0) throw new Error(`${failed} of ${request.files.length} files failed`);
}
