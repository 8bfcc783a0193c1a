import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CdrErrorCode } from '../cdr-error';
import { voiceCsv } from '../test/cdr-fixtures';
import { scanFile, spoolAndScan } from './file-scan';

const CSV = voiceCsv([
  'v-1,33612000101,33140000000,2026-11-20T18:58:00Z,300,0,0',
  'v-2,33612000101,33140000000,2026-11-20T18:58:00Z,30,0,0',
]);

describe('file scan', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cdr-scan-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('names a file by the SHA-256 of its bytes and counts its lines, on disk or spooled', async () => {
    const path = join(dir, 'a.csv');
    writeFileSync(path, CSV);
    const sha256 = createHash('sha256').update(CSV).digest('hex');
    expect(await scanFile(path, 'voice')).toEqual({ fileId: sha256.slice(0, 32), sha256, sizeBytes: CSV.length, lines: 3 });
    const spool = join(dir, 'b.part');
    const chunks = Array.from({ length: Math.ceil(CSV.length / 5) }, (_, i) => Buffer.from(CSV.slice(i * 5, i * 5 + 5)));
    expect(await spoolAndScan(Readable.from(chunks), spool, 'voice')).toEqual(await scanFile(path, 'voice'));
    expect(readFileSync(spool, 'utf8')).toBe(CSV);
  });

  it('refuses a file over the size or record limit, or with another header, and removes the spool file', async () => {
    const spool = join(dir, 'c.part');
    await expect(
      spoolAndScan(Readable.from([Buffer.from(CSV)]), spool, 'voice', { fileBytesMax: 100, recordsMax: 10 }),
    ).rejects.toMatchObject({ code: CdrErrorCode.FILE_TOO_LARGE });
    expect(existsSync(spool)).toBe(false);
    await expect(
      spoolAndScan(Readable.from([Buffer.from(CSV)]), spool, 'voice', { fileBytesMax: 10_000, recordsMax: 1 }),
    ).rejects.toMatchObject({ code: CdrErrorCode.TOO_MANY_RECORDS });
    await expect(spoolAndScan(Readable.from([Buffer.from(CSV)]), spool, 'data')).rejects.toMatchObject({
      code: CdrErrorCode.HEADER_MISMATCH,
    });
    expect(existsSync(spool)).toBe(false);
    writeFileSync(join(dir, 'empty.csv'), '');
    await expect(scanFile(join(dir, 'empty.csv'), 'voice')).rejects.toMatchObject({ code: CdrErrorCode.EMPTY_FILE });
  });
});
