/**
 * The CDR store port: file summaries (`cdr_files`) and rejects (`cdr_rejects`), migrations 3 and
 * 4 of libs/analytics. Summaries are append-only versions (`revision`); rejects may be written
 * twice after a crash. Every reader collapses both, so nothing depends on background merges.
 */
import type { CdrFormat } from '../cdr-formats';

export const CDR_STORE = Symbol('CDR_STORE');

export type CdrFileStatus = 'RUNNING' | 'DONE' | 'FAILED';
export type CdrFileSource = 'API' | 'WATCH';

export interface CurrencyTotal {
  currency: string;
  amountMicros: bigint;
}

export interface CdrFileSummary {
  fileId: string;
  name: string;
  format: CdrFormat;
  source: CdrFileSource;
  sha256: string;
  sizeBytes: number;
  /** Physical lines, header included. */
  lines: number;
  status: CdrFileStatus;
  /** Data lines read (rated + rejected). */
  records: number;
  rated: number;
  rejected: number;
  /** Money of the rated records, per currency. */
  totals: CurrencyTotal[];
  /** Why the file failed; "" otherwise. */
  error: string;
  startedAtMs: number;
  /** 0 while RUNNING. */
  finishedAtMs: number;
  /** Orders the versions of one file; the highest wins. */
  revision: number;
}

export interface CdrRejectRow {
  fileId: string;
  lineNumber: number;
  fileName: string;
  format: CdrFormat;
  reasonCode: string;
  reason: string;
  rawLine: string;
  rejectedAtMs: number;
}

/** Keyset cursor of the file list: newest first, then by file id. */
export interface FileCursor {
  startedAtMs: number;
  fileId: string;
}

export interface CdrStore {
  putFile(summary: CdrFileSummary): Promise<void>;
  getFile(fileId: string): Promise<CdrFileSummary | undefined>;
  listFiles(limit: number, before?: FileCursor): Promise<CdrFileSummary[]>;
  insertRejects(rows: readonly CdrRejectRow[]): Promise<void>;
  /** Rejects of a file with lineNumber > afterLine, by line number. */
  listRejects(fileId: string, afterLine: number, limit: number): Promise<CdrRejectRow[]>;
}
