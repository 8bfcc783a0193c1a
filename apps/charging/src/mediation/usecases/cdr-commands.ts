/**
 * The commands and queries of CDR mediation. Each validates itself when created and throws
 * CdrError INVALID_ARGUMENT naming the field, so a use case only ever sees good input.
 */
import { CdrError, CdrErrorCode } from '../cdr-error';
import { CDR_FORMATS, CdrFormat, isCdrFormat } from '../cdr-formats';
import { CDR_FILE_NAME_MAX_LENGTH, CDR_PAGE_SIZE_DEFAULT, CDR_PAGE_SIZE_MAX } from '../cdr.limits';
import { FILE_ID_PATTERN, FileScan } from '../ingest/file-scan';
import type { CdrFileSource, FileCursor } from '../storage/cdr-store';

export const FILE_NAME_PATTERN = new RegExp(`^[A-Za-z0-9_.-]{1,${CDR_FILE_NAME_MAX_LENGTH}}$`);
const UNSIGNED = /^(0|[1-9][0-9]{0,15})$/;
const CURSOR = /^(0|[1-9][0-9]{0,15})_([0-9a-f]{32})$/;

function invalid(field: string, message: string): CdrError {
  return new CdrError(CdrErrorCode.INVALID_ARGUMENT, `${field}: ${message}`, field);
}

export function parseFormat(value: unknown, field = 'format'): CdrFormat {
  if (!isCdrFormat(value)) throw invalid(field, `must be one of ${CDR_FORMATS.join(', ')}, got ${JSON.stringify(value ?? null)}`);
  return value;
}

export function parseFileName(value: unknown, field = 'name'): string {
  if (typeof value !== 'string' || !FILE_NAME_PATTERN.test(value)) {
    throw invalid(field, `must be 1-${CDR_FILE_NAME_MAX_LENGTH} characters of [A-Za-z0-9_.-], got ${JSON.stringify(value ?? null)}`);
  }
  return value;
}

export function parseFileId(value: unknown, field = 'id'): string {
  if (typeof value !== 'string' || !FILE_ID_PATTERN.test(value))
    throw invalid(field, `must be 32 lowercase hex digits, got ${JSON.stringify(value ?? null)}`);
  return value;
}

function parseCount(value: unknown, field: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = typeof value === 'string' && UNSIGNED.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= max)) throw invalid(field, `must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

/** Ingest one file that is on disk (a watched file, or an upload spooled by the API). */
export class IngestCdrFileCommand {
  private constructor(
    readonly path: string,
    readonly name: string,
    readonly format: CdrFormat,
    readonly source: CdrFileSource,
    /** The first pass, when the caller made it already (uploads are scanned while spooled). */
    readonly scan?: FileScan,
  ) {}

  static create(input: { path: string; name: unknown; format: unknown; source: CdrFileSource; scan?: FileScan }): IngestCdrFileCommand {
    if (typeof input.path !== 'string' || input.path === '') throw new Error('IngestCdrFileCommand: path is required'); // programmer error
    return new IngestCdrFileCommand(input.path, parseFileName(input.name), parseFormat(input.format), input.source, input.scan);
  }
}

export class ListCdrFilesQuery {
  private constructor(
    readonly limit: number,
    readonly before?: FileCursor,
  ) {}

  static create(input: { limit?: unknown; before?: unknown }): ListCdrFilesQuery {
    const limit = parseCount(input.limit, 'limit', CDR_PAGE_SIZE_DEFAULT, 1, CDR_PAGE_SIZE_MAX);
    if (input.before === undefined || input.before === '') return new ListCdrFilesQuery(limit);
    const m = typeof input.before === 'string' ? CURSOR.exec(input.before) : null;
    if (m === null) throw invalid('before', 'must be a cursor returned as nextCursor by this endpoint');
    return new ListCdrFilesQuery(limit, { startedAtMs: Number(m[1]), fileId: m[2] });
  }
}

export function fileCursor(c: FileCursor): string {
  return `${c.startedAtMs}_${c.fileId}`;
}

export class ListCdrRejectsQuery {
  private constructor(
    readonly fileId: string,
    readonly afterLine: number,
    readonly limit: number,
  ) {}

  static create(input: { fileId: unknown; afterLine?: unknown; limit?: unknown }): ListCdrRejectsQuery {
    return new ListCdrRejectsQuery(
      parseFileId(input.fileId),
      parseCount(input.afterLine, 'afterLine', 0, 0, Number.MAX_SAFE_INTEGER),
      parseCount(input.limit, 'limit', CDR_PAGE_SIZE_DEFAULT, 1, CDR_PAGE_SIZE_MAX),
    );
  }
}
