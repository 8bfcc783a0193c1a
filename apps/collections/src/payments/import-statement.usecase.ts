/**
 * Imports one bank statement file: parses it as a stream (statement-parser.ts) and applies its
 * payments in batches of APPLY_BATCH_MAX, one transaction per batch (matching/apply-payment.ts: each
 * payment exactly as if applied alone, in file order; matching/apply-pipeline.ts: the next batch is
 * prepared and written while one commits, and parsed meanwhile), so a crash loses at most the batches in hand and
 * importing the file again applies each entry exactly once. Rejected entries are recorded
 * with their element or line and the reason; skipped ones are counted. The import itself is a row
 * (bank_statement_import) with the file's SHA-256 and the counts.
 *
 * While it runs, the import beats a heartbeat (heartbeat_at, with its counts so far) every
 * IMPORT_HEARTBEAT_MS. An import whose process died keeps its RUNNING row; once its heartbeat is older
 * than the stale limit, the next import (or the collections process at its start: abandonStaleImports)
 * marks it ABANDONED. Importing the file again finishes its work, each entry once.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import type { Clock } from '@app/observability';
import { APPLY_BATCH_MAX, PaymentApplier } from '../matching/apply-payment';
import { ApplyPipeline } from '../matching/apply-pipeline';
import { CollectionsError } from './collections-error';
import { parseStatement } from './statements/statement-parser';
import type { ReceivedPayment, RejectedEntry, StatementFormat } from './statements/statement-types';

/** Rejections returned in the answer (all are stored). */
export const IMPORT_REJECTIONS_SHOWN_MAX = 100;
/** Rejections stored per import; beyond, the count goes on but the rows stop (a file of garbage). */
export const IMPORT_REJECTIONS_STORED_MAX = 10_000;
const FILE_NAME_MAX_LENGTH = 255;
/** Longest element path stored with a rejection (bank_statement_rejection.element). */
const REJECTION_ELEMENT_MAX_LENGTH = 300;

/** The SHA-256 of a file's bytes, lower-case hex: recorded with the import. */
export function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Connections an import uses at once at most: a batch committing, the next one prepared, and the after-payment
 * hook of a batch that committed (one dunning page, then its bars and steps one account at a time).
 */
export const IMPORT_CONNECTIONS_MAX = 3;
/** A running import writes its heartbeat and counts at most this often. */
export const IMPORT_HEARTBEAT_MS = 5_000;
/** A RUNNING import whose heartbeat is older than this is taken for dead (ABANDONED): 12 missed heartbeats. */
export const IMPORT_STALE_AFTER_MS_DEFAULT = 60_000;

/**
 * Marks RUNNING imports whose heartbeat is older than `staleAfterMs` as ABANDONED (their process
 * died); resolves to their ids. Safe to run from any process at any time: a live import beats well
 * within the limit.
 */
export async function abandonStaleImports(pool: Pool, nowMs: number, staleAfterMs = IMPORT_STALE_AFTER_MS_DEFAULT): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `update bank_statement_import set status = 'ABANDONED', finished_at = $1
     where status = 'RUNNING' and heartbeat_at < $2 returning id`,
    [new Date(nowMs), new Date(nowMs - staleAfterMs)],
  );
  return rows.map((r) => r.id).sort();
}

/** Bytes read per chunk of a file held in memory (a posted body): the parser sees a stream either way. */
export const STATEMENT_CHUNK_BYTES = 65_536;

export function* chunksOf(bytes: Buffer, size = STATEMENT_CHUNK_BYTES): Generator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

export class ImportStatementCommand {
  private constructor(
    readonly fileName: string,
    readonly sha256: string,
    readonly requestedBy: string,
  ) {}

  static create(p: { fileName: string; sha256: string; requestedBy: string }): ImportStatementCommand {
    if (p.fileName === '' || p.fileName.length > FILE_NAME_MAX_LENGTH || [...p.fileName].some((ch) => ch.charCodeAt(0) < 0x20)) {
      throw CollectionsError.invalid('fileName', `1-${FILE_NAME_MAX_LENGTH} printable characters`);
    }
    if (!/^[0-9a-f]{64}$/.test(p.sha256)) throw CollectionsError.invalid('sha256', '64 lower-case hex digits');
    if (p.requestedBy === '') throw CollectionsError.invalid('requestedBy', 'is required');
    return new ImportStatementCommand(p.fileName, p.sha256, p.requestedBy);
  }
}

export interface ImportCounts {
  entriesSeen: number;
  paymentsCreated: number;
  duplicates: number;
  skipped: number;
  rejected: number;
}

export interface ImportSummary extends ImportCounts {
  importId: string;
  /** Imports found dead (RUNNING with a stale heartbeat) when this one started, now ABANDONED. */
  abandonedImports: string[];
  format: StatementFormat | null;
  status: 'DONE' | 'FAILED';
  rejections: { element: string | null; line: number | null; reason: string }[];
}

export class ImportStatement {
  constructor(
    private readonly pool: Pool,
    private readonly clock: Clock,
    private readonly applier = new PaymentApplier(pool),
    private readonly staleAfterMs = IMPORT_STALE_AFTER_MS_DEFAULT,
    /** Payments per applier transaction (1 applies each entry alone, as a test of the crash window may want). */
    private readonly batchMax = APPLY_BATCH_MAX,
  ) {}

  async execute(
    cmd: ImportStatementCommand,
    chunks: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
    onEntry?: (c: ImportCounts) => void,
  ): Promise<ImportSummary> {
    const importId = `imp-${randomBytes(10).toString('hex')}`;
    const abandonedImports = await abandonStaleImports(this.pool, this.clock.nowMs(), this.staleAfterMs);
    let lastBeatMs = this.clock.nowMs();
    await this.pool.query(
      `insert into bank_statement_import (id, file_name, file_sha256, format, status, requested_by, started_at, heartbeat_at)
       values ($1, $2, $3, null, 'RUNNING', $4, $5, $5)`,
      [importId, cmd.fileName, cmd.sha256, cmd.requestedBy, new Date(lastBeatMs)],
    );
    const counts: ImportCounts = { entriesSeen: 0, paymentsCreated: 0, duplicates: 0, skipped: 0, rejected: 0 };
    const rejections: ImportSummary['rejections'] = [];
    let format: StatementFormat | undefined;
    let fileRefused = false;
    // Payments go to the applier in batches (one transaction each); a crash loses at most the batches in hand,
    // which the next import of the file applies. The pipeline prepares and writes a batch (look-up, locks,
    // matching, rows) while the one before it is written and committed, and the parser reads the next batch
    // meanwhile; commits stay in file order, and a batch sharing a document with the one before it reads it as
    // that one's commit left it.
    let batch: ReceivedPayment[] = [];
    const pipeline = new ApplyPipeline(
      this.applier,
      () => ({ importId, nowMs: this.clock.nowMs() }),
      (outcomes) => {
        for (const outcome of outcomes)
          if (outcome.created) counts.paymentsCreated++;
          else counts.duplicates++;
      },
    );
    const flush = async () => {
      const payments = batch;
      batch = [];
      await pipeline.push(payments);
    };
    try {
      for await (const items of parseStatement(chunks, (f) => (format = f ?? format)))
        for (const item of items) {
          counts.entriesSeen++;
          if (item.kind === 'skipped') counts.skipped++;
          else if (item.kind === 'rejected') {
            fileRefused ||= item.wholeFile === true;
            await this.reject(importId, ++counts.rejected, item, rejections);
          } else {
            batch.push(item);
            if (batch.length >= this.batchMax) await flush();
          }
          onEntry?.(counts);
          if (this.clock.nowMs() - lastBeatMs >= IMPORT_HEARTBEAT_MS) {
            lastBeatMs = this.clock.nowMs();
            await this.beat(importId, counts, format, lastBeatMs);
          }
        }
      await flush();
      await pipeline.drain();
    } catch (err) {
      await pipeline.abort();
      await this.finish(importId, counts, format, 'FAILED').catch(() => undefined);
      throw err;
    }
    const status = fileRefused ? 'FAILED' : 'DONE';
    await this.finish(importId, counts, format, status);
    return { importId, abandonedImports, format: format ?? null, status, ...counts, rejections };
  }

  /** The heartbeat, with the counts so far (an operator watching the table sees the import move). */
  private async beat(importId: string, c: ImportCounts, format: StatementFormat | undefined, nowMs: number): Promise<void> {
    await this.pool.query(
      `update bank_statement_import set format = coalesce($2, format), entries_seen = $3, payments_created = $4, duplicates = $5,
         skipped = $6, rejected = $7, heartbeat_at = $8 where id = $1 and status = 'RUNNING'`,
      [importId, format ?? null, c.entriesSeen, c.paymentsCreated, c.duplicates, c.skipped, c.rejected, new Date(nowMs)],
    );
  }

  private async reject(importId: string, seq: number, r: RejectedEntry, shown: ImportSummary['rejections']): Promise<void> {
    const row = { element: r.element?.slice(0, REJECTION_ELEMENT_MAX_LENGTH) ?? null, line: r.line ?? null, reason: r.reason };
    if (shown.length < IMPORT_REJECTIONS_SHOWN_MAX) shown.push(row);
    if (seq > IMPORT_REJECTIONS_STORED_MAX) return;
    await this.pool.query(`insert into bank_statement_rejection (import_id, seq, element, line, reason) values ($1, $2, $3, $4, $5)`, [
      importId,
      seq,
      row.element,
      row.line,
      row.reason,
    ]);
  }

  private async finish(importId: string, c: ImportCounts, format: StatementFormat | undefined, status: 'DONE' | 'FAILED'): Promise<void> {
    await this.pool.query(
      `update bank_statement_import set format = coalesce($2, format), status = $3, entries_seen = $4, payments_created = $5, duplicates = $6,
         skipped = $7, rejected = $8, finished_at = $9, heartbeat_at = $9 where id = $1`,
      [
        importId,
        format ?? null,
        status,
        c.entriesSeen,
        c.paymentsCreated,
        c.duplicates,
        c.skipped,
        c.rejected,
        new Date(this.clock.nowMs()),
      ],
    );
  }
}
