/**
 * JSON views of the CDR API (and their OpenAPI schemas). Money: decimal strings of int64 micros
 * of the named currency; times: ISO-8601 UTC.
 */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { FileProgress } from '../cdr-progress';
import type { CdrRejectRow, CdrFileSummary } from '../storage/cdr-store';
import type { CdrFileView } from '../usecases/get-cdr-file.usecase';

export class CurrencyTotalView {
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ example: '1234567', description: 'int64 micros, decimal string' }) amountMicros!: string;
}

export class ProgressView {
  @ApiProperty({ description: 'Records rated or rejected so far' }) recordsProcessed!: number;
  @ApiProperty({ description: 'Records expected (lines - header; blank lines make it an upper bound)' }) recordsExpected!: number;
  @ApiProperty({ example: 0.42, description: 'recordsProcessed / recordsExpected, at most 1' }) ratio!: number;
}

export class CdrFileResponse {
  @ApiProperty({ example: '9f86d081884c7d659a2feaa0c55ad015', description: 'First 32 hex digits of the content SHA-256' }) fileId!: string;
  @ApiProperty({ example: 'msc1-20261121-0800.csv' }) name!: string;
  @ApiProperty({ enum: ['voice', 'data'] }) format!: string;
  @ApiProperty({ enum: ['API', 'WATCH'] }) source!: string;
  @ApiProperty({ enum: ['RUNNING', 'DONE', 'FAILED'] }) status!: string;
  @ApiProperty() sha256!: string;
  @ApiProperty() sizeBytes!: number;
  @ApiProperty({ description: 'Physical lines, header included' }) lines!: number;
  @ApiProperty({ description: 'Data lines read: rated + rejected' }) records!: number;
  @ApiProperty() rated!: number;
  @ApiProperty() rejected!: number;
  @ApiProperty({ type: [CurrencyTotalView], description: 'Money of the rated records, per currency' }) totals!: CurrencyTotalView[];
  @ApiPropertyOptional({ description: 'FAILED: why' }) error?: string;
  @ApiProperty({ example: '2026-11-21T08:15:00.000Z' }) startedAt!: string;
  @ApiPropertyOptional() finishedAt?: string;
  @ApiPropertyOptional({ type: ProgressView, description: 'While this process is rating the file' }) progress?: ProgressView;
  @ApiPropertyOptional({ description: 'POST only: the same content was ingested before; nothing was rated again' }) duplicate?: boolean;
}

export class CdrFileListResponse {
  @ApiProperty({ type: [CdrFileResponse] }) files!: CdrFileResponse[];
  @ApiPropertyOptional({ description: 'Pass as `before` for the next page' }) nextCursor?: string;
}

export class CdrRejectResponse {
  @ApiProperty() lineNumber!: number;
  @ApiProperty({ example: 'INVALID_FIELD' }) reasonCode!: string;
  @ApiProperty({ example: 'duration_s: expected an integer from 0 to 86400, got "12x"' }) reason!: string;
  @ApiProperty() rawLine!: string;
  @ApiProperty() rejectedAt!: string;
}

export class CdrRejectListResponse {
  @ApiProperty() fileId!: string;
  @ApiProperty({ type: [CdrRejectResponse] }) rejects!: CdrRejectResponse[];
  @ApiPropertyOptional({ description: 'Pass as `afterLine` for the next page' }) nextAfterLine?: number;
}

function progressView(p: FileProgress): ProgressView {
  const recordsExpected = Math.max(0, p.lines - 1);
  return { recordsProcessed: p.records, recordsExpected, ratio: recordsExpected === 0 ? 1 : Math.min(1, p.records / recordsExpected) };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function fileResponse(view: CdrFileView, duplicate?: boolean): CdrFileResponse {
  const s: CdrFileSummary = view.summary;
  const out: CdrFileResponse = {
    fileId: s.fileId,
    name: s.name,
    format: s.format,
    source: s.source,
    status: s.status,
    sha256: s.sha256,
    sizeBytes: s.sizeBytes,
    lines: s.lines,
    records: s.records,
    rated: s.rated,
    rejected: s.rejected,
    totals: s.totals.map((t) => ({ currency: t.currency, amountMicros: t.amountMicros.toString() })),
    startedAt: iso(s.startedAtMs),
  };
  if (s.error !== '') out.error = s.error;
  if (s.finishedAtMs > 0) out.finishedAt = iso(s.finishedAtMs);
  if (view.progress !== undefined) out.progress = progressView(view.progress);
  if (duplicate !== undefined) out.duplicate = duplicate;
  return out;
}

export function rejectResponse(r: CdrRejectRow): CdrRejectResponse {
  return { lineNumber: r.lineNumber, reasonCode: r.reasonCode, reason: r.reason, rawLine: r.rawLine, rejectedAt: iso(r.rejectedAtMs) };
}
