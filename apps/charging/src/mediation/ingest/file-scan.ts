/**
 * The first pass over a CDR file, before any record is rated: its SHA-256 (the file id, hence
 * every event id, derives from the content), size, line count and header. A file that fails
 * here changes nothing anywhere. Uploads are spooled to disk in the same pass, so the API never
 * holds a file in memory and the rating pass reads it like a watched file.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat, unlink } from 'node:fs/promises';
import { once } from 'node:events';
import { CdrError, CdrErrorCode } from '../cdr-error';
import { CdrFormat } from '../cdr-formats';
import { CDR_FILE_MAX_BYTES, CDR_LINE_MAX_BYTES, CDR_READ_CHUNK_BYTES, CDR_RECORDS_PER_FILE_MAX } from '../cdr.limits';
import { checkHeader } from './cdr-parser';

/** Hex digits of the content SHA-256 that make the file id (128 bits). */
export const FILE_ID_HEX_DIGITS = 32;
export const FILE_ID_PATTERN = new RegExp(`^[0-9a-f]{${FILE_ID_HEX_DIGITS}}$`);

export interface FileScan {
  fileId: string;
  sha256: string;
  sizeBytes: number;
  /** Physical lines, header included (an upper bound of the records + 1). */
  lines: number;
}

export interface ScanLimits {
  fileBytesMax: number;
  recordsMax: number;
}

export const DEFAULT_SCAN_LIMITS: ScanLimits = { fileBytesMax: CDR_FILE_MAX_BYTES, recordsMax: CDR_RECORDS_PER_FILE_MAX };

const LF = 10;

/** Hash, size, line count and first line of a byte stream, fed chunk by chunk. */
class Fingerprint {
  private readonly hash = createHash('sha256');
  sizeBytes = 0;
  private newlines = 0;
  private lastByte = LF;
  private first: Buffer[] = [];
  private firstBytes = 0;
  private firstDone = false;

  update(chunk: Buffer): void {
    this.hash.update(chunk);
    this.sizeBytes += chunk.length;
    if (chunk.length === 0) return;
    this.lastByte = chunk[chunk.length - 1];
    let at = chunk.indexOf(LF);
    if (!this.firstDone) this.keepFirstLine(chunk, at);
    while (at !== -1) {
      this.newlines++;
      at = chunk.indexOf(LF, at + 1);
    }
  }

  private keepFirstLine(chunk: Buffer, lf: number): void {
    const end = Math.min(lf === -1 ? chunk.length : lf, chunk.length, CDR_LINE_MAX_BYTES + 2 - this.firstBytes);
    this.first.push(Buffer.from(chunk.subarray(0, Math.max(0, end))));
    this.firstBytes += Math.max(0, end);
    this.firstDone = lf !== -1 || this.firstBytes >= CDR_LINE_MAX_BYTES + 2;
  }

  result(format: CdrFormat, limits: ScanLimits): FileScan {
    let bytes = Buffer.concat(this.first);
    if (bytes[bytes.length - 1] === 13) bytes = bytes.subarray(0, bytes.length - 1);
    const tooLong = bytes.length > CDR_LINE_MAX_BYTES;
    checkHeader(format, this.sizeBytes === 0 ? undefined : { lineNumber: 1, text: bytes.toString('utf8'), tooLong, invalidUtf8: false });
    const lines = this.newlines + (this.lastByte === LF ? 0 : 1);
    if (lines - 1 > limits.recordsMax) {
      throw new CdrError(
        CdrErrorCode.TOO_MANY_RECORDS,
        `the file has ${lines} lines; at most ${limits.recordsMax} records (+ header) are accepted`,
      );
    }
    const sha256 = this.hash.digest('hex');
    return { fileId: sha256.slice(0, FILE_ID_HEX_DIGITS), sha256, sizeBytes: this.sizeBytes, lines };
  }
}

function tooLarge(limits: ScanLimits): CdrError {
  return new CdrError(CdrErrorCode.FILE_TOO_LARGE, `the file is larger than ${limits.fileBytesMax} bytes`);
}

/** Scans a file on disk. Throws CdrError when the file itself is unacceptable. */
export async function scanFile(path: string, format: CdrFormat, limits: ScanLimits = DEFAULT_SCAN_LIMITS): Promise<FileScan> {
  if ((await stat(path)).size > limits.fileBytesMax) throw tooLarge(limits);
  const fp = new Fingerprint();
  for await (const chunk of createReadStream(path, { highWaterMark: CDR_READ_CHUNK_BYTES })) {
    fp.update(chunk as Buffer);
    if (fp.sizeBytes > limits.fileBytesMax) throw tooLarge(limits);
  }
  return fp.result(format, limits);
}

/**
 * Writes `body` to `spoolPath` while scanning it; stops reading as soon as the size limit is
 * passed. On any failure the spool file is removed and the error is rethrown.
 */
export async function spoolAndScan(
  body: AsyncIterable<Uint8Array>,
  spoolPath: string,
  format: CdrFormat,
  limits: ScanLimits = DEFAULT_SCAN_LIMITS,
): Promise<FileScan> {
  const out = createWriteStream(spoolPath, { flags: 'wx' });
  const fp = new Fingerprint();
  try {
    for await (const piece of body) {
      const chunk = Buffer.isBuffer(piece) ? piece : Buffer.from(piece);
      fp.update(chunk);
      if (fp.sizeBytes > limits.fileBytesMax) throw tooLarge(limits);
      if (!out.write(chunk)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    return fp.result(format, limits);
  } catch (err) {
    // The file may still be opening: wait for the stream to close before removing it.
    if (!out.closed) {
      const closed = once(out, 'close').catch(() => undefined);
      out.destroy();
      await closed;
    }
    await unlink(spoolPath).catch(() => undefined);
    throw err;
  }
}
