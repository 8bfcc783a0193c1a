/**
 * Ingests a CDR file posted to the API: the body is streamed to a spool file (scanned on the
 * way, never held in memory, cut off past CDR_FILE_MAX_BYTES), then ingested like a watched
 * file; the spool file is removed afterwards whatever happens.
 */
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CDR_OPTIONS, CdrModuleOptions } from '../cdr.tokens';
import { spoolAndScan } from '../ingest/file-scan';
import { IngestCdrFileCommand, parseFileName, parseFormat } from './cdr-commands';
import { IngestCdrFileUseCase, IngestResult } from './ingest-cdr-file.usecase';

export interface UploadCdrFileInput {
  body: AsyncIterable<Uint8Array>;
  name: unknown;
  format: unknown;
}

@Injectable()
export class UploadCdrFileUseCase {
  constructor(
    private readonly ingest: IngestCdrFileUseCase,
    @Inject(CDR_OPTIONS) private readonly options: Pick<CdrModuleOptions, 'config'>,
  ) {}

  async execute(input: UploadCdrFileInput): Promise<IngestResult> {
    // Parameters are checked before a byte of the body is read.
    const format = parseFormat(input.format);
    const name = parseFileName(input.name);
    const dir = this.options.config.CDR_SPOOL_DIR;
    await mkdir(dir, { recursive: true });
    const path = join(dir, `${randomUUID()}.csv.part`);
    const scan = await spoolAndScan(input.body, path, format);
    try {
      return await this.ingest.execute(IngestCdrFileCommand.create({ path, name, format, source: 'API', scan }));
    } finally {
      await unlink(path).catch(() => undefined);
    }
  }
}
