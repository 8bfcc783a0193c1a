/** Rejects of one file by line number, a page at a time. */
import { Inject, Injectable } from '@nestjs/common';
import { CdrError, CdrErrorCode } from '../cdr-error';
import { CDR_STORE, CdrRejectRow, CdrStore } from '../storage/cdr-store';
import { ListCdrRejectsQuery } from './cdr-commands';

export interface CdrRejectPage {
  rejects: CdrRejectRow[];
  /** Pass as `afterLine` for the next page; absent on the last page. */
  nextAfterLine?: number;
}

@Injectable()
export class ListCdrRejectsUseCase {
  constructor(@Inject(CDR_STORE) private readonly store: CdrStore) {}

  async execute(q: ListCdrRejectsQuery): Promise<CdrRejectPage> {
    if ((await this.store.getFile(q.fileId)) === undefined) throw new CdrError(CdrErrorCode.NOT_FOUND, `no CDR file ${q.fileId}`);
    const rejects = await this.store.listRejects(q.fileId, q.afterLine, q.limit);
    const last = rejects[rejects.length - 1];
    return rejects.length === q.limit && last !== undefined ? { rejects, nextAfterLine: last.lineNumber } : { rejects };
  }
}
