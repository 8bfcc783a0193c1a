/** A file's summary, with its live progress while this process is rating it. */
import { Inject, Injectable } from '@nestjs/common';
import { CdrError, CdrErrorCode } from '../cdr-error';
import { CDR_PROGRESS, CdrProgress, FileProgress } from '../cdr-progress';
import { CDR_STORE, CdrFileSummary, CdrStore } from '../storage/cdr-store';
import { parseFileId } from './cdr-commands';

export interface CdrFileView {
  summary: CdrFileSummary;
  /** Present while the file is being rated by this process. */
  progress?: FileProgress;
}

/** Overlays live counts on a RUNNING summary (the stored one is written only at start and end). */
export function withProgress(summary: CdrFileSummary, progress: FileProgress | undefined): CdrFileView {
  if (progress === undefined || summary.status !== 'RUNNING') return { summary };
  const { records, rated, rejected } = progress;
  return { summary: { ...summary, records, rated, rejected }, progress };
}

@Injectable()
export class GetCdrFileUseCase {
  constructor(
    @Inject(CDR_STORE) private readonly store: CdrStore,
    @Inject(CDR_PROGRESS) private readonly progress: CdrProgress,
  ) {}

  async execute(id: unknown): Promise<CdrFileView> {
    const fileId = parseFileId(id);
    const runningBefore = this.progress.get(fileId) !== undefined;
    let summary = await this.store.getFile(fileId);
    const progress = this.progress.get(fileId);
    // The run ended while the summary was read: the stored RUNNING is stale, read the final one.
    if (runningBefore && progress === undefined && summary?.status === 'RUNNING') summary = await this.store.getFile(fileId);
    if (summary === undefined) throw new CdrError(CdrErrorCode.NOT_FOUND, `no CDR file ${fileId}`);
    return withProgress(summary, progress);
  }
}
