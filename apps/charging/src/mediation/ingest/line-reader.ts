/**
 * Splits a byte stream into numbered lines without ever holding more than one chunk and one
 * line: the streaming half of the CSV parser. A line ends at LF; a CR before it is dropped. A
 * line longer than `lineBytesMax` is not kept whole: its first bytes are returned flagged
 * `tooLong` (for the rejects table) and the rest is skipped up to the next LF.
 *
 * Lines come out in arrays, one per input chunk: one `await` per chunk rather than per line.
 */
import { isUtf8 } from 'node:buffer';

export interface RawLine {
  /** 1-based physical line number (the header is line 1). */
  lineNumber: number;
  /** The line, decoded as UTF-8 (invalid bytes as U+FFFD), without its line break; cut at `lineBytesMax` when tooLong. */
  text: string;
  tooLong: boolean;
  /** The bytes are not valid UTF-8. */
  invalidUtf8: boolean;
}

const LF = 10;
const CR = 13;

/** Accumulates the pieces of one line across chunks, bounded by `capacity` bytes. */
class LineBuffer {
  private parts: Buffer[] = [];
  private bytes = 0;
  overflow = false;

  constructor(private readonly capacity: number) {}

  get empty(): boolean {
    return this.bytes === 0 && !this.overflow;
  }

  /** `copy`: the piece outlives the chunk (the tail of a line that continues in the next chunk), and producers may reuse chunk memory. */
  append(buf: Buffer, start: number, end: number, copy = false): void {
    if (this.overflow || end === start) return;
    const room = this.capacity - this.bytes;
    if (end - start > room) {
      this.overflow = true;
      end = start + room;
    }
    this.parts.push(copy ? Buffer.from(buf.subarray(start, end)) : buf.subarray(start, end));
    this.bytes += end - start;
  }

  /** The line so far (CR dropped) and whether it passed the limit; resets the buffer. */
  take(lineNumber: number, lineBytesMax: number): RawLine {
    let bytes = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.bytes);
    if (bytes.length > 0 && bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, bytes.length - 1);
    const tooLong = this.overflow || bytes.length > lineBytesMax;
    if (bytes.length > lineBytesMax) bytes = bytes.subarray(0, lineBytesMax);
    const text = bytes.toString('utf8');
    // U+FFFD may be a genuine character; only then is the (slower) validity check needed.
    const invalidUtf8 = text.includes('\uFFFD') && !isUtf8(bytes);
    this.parts = [];
    this.bytes = 0;
    this.overflow = false;
    return { lineNumber, text, tooLong, invalidUtf8 };
  }
}

/** Yields the lines of `source` in order, grouped per input chunk (a group may be empty). */
export async function* readLines(source: AsyncIterable<Uint8Array>, lineBytesMax: number): AsyncGenerator<RawLine[]> {
  // One spare byte so that a line of exactly lineBytesMax followed by CRLF is not "too long".
  const line = new LineBuffer(lineBytesMax + 1);
  let lineNumber = 0;
  for await (const chunk of source) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: RawLine[] = [];
    let start = 0;
    for (let nl = buf.indexOf(LF, start); nl !== -1; nl = buf.indexOf(LF, start)) {
      line.append(buf, start, nl);
      out.push(line.take(++lineNumber, lineBytesMax));
      start = nl + 1;
    }
    line.append(buf, start, buf.length, true);
    yield out;
  }
  if (!line.empty) yield [line.take(++lineNumber, lineBytesMax)];
}
