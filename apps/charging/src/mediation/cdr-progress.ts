/**
 * Files being ingested by this process and how far they are: what GET /v1/cdr/files/:id shows
 * while a file runs, mirrored in the progress gauges. At most CDR_CONCURRENT_FILES_MAX entries.
 */
import type { CdrFormat } from './cdr-formats';
import { CDR_CONCURRENT_FILES_MAX } from './cdr.limits';
import { CdrError, CdrErrorCode } from './cdr-error';
import type { CdrMetrics } from './cdr-metrics';

export const CDR_PROGRESS = Symbol('CDR_PROGRESS');

export interface FileProgress {
  fileId: string;
  format: CdrFormat;
  /** Lines of the file, header included: records + 1 at most. */
  lines: number;
  records: number;
  rated: number;
  rejected: number;
}

export class CdrProgress {
  private readonly running = new Map<string, FileProgress>();

  constructor(private readonly metrics: CdrMetrics) {}

  /** Registers a file; throws FILE_IN_PROGRESS when it already runs here, BUSY when too many run. */
  begin(fileId: string, format: CdrFormat, lines: number): FileProgress {
    if (this.running.has(fileId)) throw new CdrError(CdrErrorCode.FILE_IN_PROGRESS, `file ${fileId} is being ingested`);
    if (this.running.size >= CDR_CONCURRENT_FILES_MAX) {
      throw new CdrError(CdrErrorCode.BUSY, `${CDR_CONCURRENT_FILES_MAX} files are being ingested; try again later`);
    }
    const p: FileProgress = { fileId, format, lines, records: 0, rated: 0, rejected: 0 };
    this.running.set(fileId, p);
    this.metrics.filesInProgress.set(this.running.size);
    this.metrics.fileLines.set({ file_id: fileId, format }, lines);
    this.metrics.fileRecordsProcessed.set({ file_id: fileId, format }, 0);
    return p;
  }

  add(p: FileProgress, rated: number, rejected: number): void {
    p.rated += rated;
    p.rejected += rejected;
    p.records += rated + rejected;
    this.metrics.fileRecordsProcessed.set({ file_id: p.fileId, format: p.format }, p.records);
  }

  get(fileId: string): FileProgress | undefined {
    const p = this.running.get(fileId);
    return p === undefined ? undefined : { ...p };
  }

  end(p: FileProgress): void {
    this.running.delete(p.fileId);
    this.metrics.filesInProgress.set(this.running.size);
    this.metrics.fileLines.remove({ file_id: p.fileId, format: p.format });
    this.metrics.fileRecordsProcessed.remove({ file_id: p.fileId, format: p.format });
  }
}
