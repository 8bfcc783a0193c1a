/**
 * `ratel payments import <file>`: hashes the file, then streams it through the import use case with
 * a progress bar in bytes (stderr), and prints the import's summary as JSON (stdout).
 * `ratel payments watch --dir D`: the watched folder (payments/statement-folder.ts), one JSON line
 * per file imported (stdout), until SIGTERM or, with --once, after one scan.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { Pool } from 'pg';
import { z } from 'zod';
import { loadConfig } from '@app/config';
import { systemClock } from '@app/observability';
import { UsageError } from '@app/runtime/cli';
import { type Progress, startProgress } from '@app/runtime/progress';
import { dunningAfterPayments, dunningOf } from '../api/collections.module';
import { type AfterPayments, PaymentApplier } from '../matching/apply-payment';
import { stderrAfterPaymentFailures } from '../dunning/after-payment-failures';
import { IMPORT_CONNECTIONS_MAX, ImportStatement, ImportStatementCommand } from '../payments/import-statement.usecase';
import { StatementFolder } from '../payments/statement-folder';
import { EXIT_REJECTED } from './commands';

const cliConfigSchema = z.object({
  DATABASE_URL: z.string().url(),
  CHARGING_API_URL: z.string().url().optional(),
  CHARGING_API_KEY: z.string().min(1).optional(),
});

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function* counted(file: string, onBytes: (n: number) => void): AsyncGenerator<Buffer> {
  for await (const chunk of createReadStream(file)) {
    onBytes((chunk as Buffer).length);
    yield chunk as Buffer;
  }
}

/** Each batch's paid accounts re-evaluate their dunning together (a cleared account is unbarred at once). */
function afterPaymentsOf(pool: Pool, url: string | undefined, key: string | undefined, command: string): AfterPayments {
  return dunningAfterPayments(
    dunningOf(pool, { CHARGING_API_URL: url, CHARGING_API_KEY: key }),
    systemClock,
    stderrAfterPaymentFailures(command),
  );
}

export async function runPaymentsWatch(request: { dir: string; once: boolean; intervalMs: number }): Promise<number> {
  const { DATABASE_URL, CHARGING_API_URL, CHARGING_API_KEY } = loadConfig(cliConfigSchema);
  if (!existsSync(request.dir) || !statSync(request.dir).isDirectory()) throw new UsageError(`${request.dir} is not a folder`);
  const pool = new Pool({ connectionString: DATABASE_URL, max: IMPORT_CONNECTIONS_MAX });
  const importer = new ImportStatement(
    pool,
    systemClock,
    new PaymentApplier(pool, afterPaymentsOf(pool, CHARGING_API_URL, CHARGING_API_KEY, 'payments watch')),
  );
  // A progress bar in bytes (stderr) for the file being imported.
  let bar: { file: string; bytes: number; progress: Progress } | undefined;
  const onBytes = (file: string, bytes: number) => {
    if (bar?.file !== file) {
      bar?.progress.stop();
      bar = { file, bytes: 0, progress: startProgress({ label: `payments watch ${file}`, unit: 'bytes' }) };
    }
    bar.progress.increment(bytes - bar.bytes);
    bar.bytes = bytes;
  };
  const folder = new StatementFolder(importer, { dir: request.dir, requestedBy: `cli:${process.env.USER ?? 'unknown'}:watch`, onBytes });
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  let rejected = false;
  try {
    for (;;) {
      const results = await folder.scanOnce();
      bar?.progress.stop();
      bar = undefined;
      for (const r of results) {
        rejected ||= r.summary.status !== 'DONE' || r.summary.rejected > 0;
        process.stdout.write(`${JSON.stringify({ file: r.file, movedTo: r.movedTo, ...r.summary })}\n`);
      }
      if (request.once || stop.signal.aborted) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, request.intervalMs);
        stop.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
      });
      if (stop.signal.aborted) break;
    }
    return request.once && rejected ? EXIT_REJECTED : 0;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await pool.end();
  }
}

export async function runPaymentsImport(request: { file: string; name?: string }): Promise<number> {
  const { DATABASE_URL, CHARGING_API_URL, CHARGING_API_KEY } = loadConfig(cliConfigSchema);
  let sizeBytes: number;
  try {
    const stat = statSync(request.file);
    if (!stat.isFile()) throw new UsageError(`${request.file} is not a file`);
    sizeBytes = stat.size;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${request.file}: ${(e as Error).message}`);
  }
  const cmd = ImportStatementCommand.create({
    fileName: request.name ?? basename(request.file),
    sha256: await sha256OfFile(request.file),
    requestedBy: `cli:${process.env.USER ?? 'unknown'}`,
  });
  const pool = new Pool({ connectionString: DATABASE_URL, max: IMPORT_CONNECTIONS_MAX });
  const progress = startProgress({ label: `payments import ${basename(request.file)}`, total: sizeBytes, unit: 'bytes' });
  try {
    const applier = new PaymentApplier(pool, afterPaymentsOf(pool, CHARGING_API_URL, CHARGING_API_KEY, 'payments import'));
    const summary = await new ImportStatement(pool, systemClock, applier).execute(
      cmd,
      counted(request.file, (n) => progress.increment(n)),
    );
    progress.stop();
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return summary.rejected > 0 || summary.status === 'FAILED' ? EXIT_REJECTED : 0;
  } finally {
    progress.stop();
    await pool.end();
  }
}
