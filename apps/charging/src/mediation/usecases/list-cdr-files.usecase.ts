/** Files, newest first, a keyset page at a time. */
import { Inject, Injectable } from '@nestjs/common';
import { CDR_PROGRESS, CdrProgress } from '../cdr-progress';
import { CDR_STORE, CdrStore } from '../storage/cdr-store';
import { fileCursor, ListCdrFilesQuery } from './cdr-commands';
import { CdrFileView, withProgress } from './get-cdr-file.usecase';

export interface CdrFilePage {
  files: CdrFileView[];
  /** Pass as `before` for the next page; absent on the last page. */
  nextCursor?: string;
}

@Injectable()
export class ListCdrFilesUseCase {
  constructor(
    @Inject(CDR_STORE) private readonly store: CdrStore,
    @Inject(CDR_PROGRESS) private readonly progress: CdrProgress,
  ) {}

  async execute(q: ListCdrFilesQuery): Promise<CdrFilePage> {
    const files = await this.store.listFiles(q.limit, q.before);
    const page: CdrFilePage = { files: files.map((f) => withProgress(f, this.progress.get(f.fileId))) };
    const last = files[files.length - 1];
    if (files.length === q.limit && last !== undefined) page.nextCursor = fileCursor(last);
    return page;
  }
}
