/**
 * The streaming CDR parser: bytes in, numbered records or rejects out, one group per input
 * chunk. The header line must be the format's header exactly (a UTF-8 BOM before it is allowed);
 * empty lines are skipped; every other line is one record, valid or rejected with its reason.
 * Record ids must be unique within a file (a switch that retransmits a record in the same file
 * would otherwise be charged twice).
 */
import { CdrError, CdrErrorCode } from '../cdr-error';
import { CDR_HEADERS, CdrFormat, CdrRejectCode, LineResult, parseCdrLine } from '../cdr-formats';
import { CDR_LINE_MAX_BYTES, CDR_RECORDS_PER_FILE_MAX } from '../cdr.limits';
import { RawLine, readLines } from './line-reader';

export interface ParsedLine {
  lineNumber: number;
  /** The line as read (cut at the line limit when too long), for the rejects table. */
  raw: string;
  result: LineResult;
}

export interface ParserLimits {
  lineBytesMax: number;
  recordsMax: number;
}

export const DEFAULT_PARSER_LIMITS: ParserLimits = { lineBytesMax: CDR_LINE_MAX_BYTES, recordsMax: CDR_RECORDS_PER_FILE_MAX };

const BOM = '\uFEFF';
const HEADER_SHOWN_MAX_CHARS = 200;

/** Throws EMPTY_FILE or HEADER_MISMATCH unless `first` is the header line of `format`. */
export function checkHeader(format: CdrFormat, first: RawLine | undefined): void {
  if (first === undefined || first.text === '') throw new CdrError(CdrErrorCode.EMPTY_FILE, 'the file has no header line');
  const expected = CDR_HEADERS[format].join(',');
  const text = first.text.startsWith(BOM) ? first.text.slice(1) : first.text;
  if (first.tooLong || text !== expected) {
    const got = JSON.stringify(text.slice(0, HEADER_SHOWN_MAX_CHARS));
    throw new CdrError(CdrErrorCode.HEADER_MISMATCH, `line 1: expected the ${format} header "${expected}", got ${got}`);
  }
}

function parseLine(format: CdrFormat, line: RawLine, seenIds: Set<string>, lineBytesMax: number): LineResult {
  if (line.tooLong) return { ok: false, code: CdrRejectCode.LINE_TOO_LONG, reason: `the line is longer than ${lineBytesMax} bytes` };
  if (line.invalidUtf8) return { ok: false, code: CdrRejectCode.INVALID_ENCODING, reason: 'the line is not valid UTF-8' };
  const result = parseCdrLine(format, line.text);
  if (!result.ok) return result;
  if (seenIds.has(result.record.recordId)) {
    return {
      ok: false,
      code: CdrRejectCode.DUPLICATE_RECORD_ID,
      reason: `record_id ${result.record.recordId} appears earlier in the file`,
    };
  }
  seenIds.add(result.record.recordId);
  return result;
}

/** Parses `source` as a `format` file. Throws CdrError for a bad header or too many records; never for a bad record. */
export async function* parseCdrStream(
  source: AsyncIterable<Uint8Array>,
  format: CdrFormat,
  limits: ParserLimits = DEFAULT_PARSER_LIMITS,
): AsyncGenerator<ParsedLine[]> {
  const seenIds = new Set<string>();
  let headerSeen = false;
  let records = 0;
  for await (const lines of readLines(source, limits.lineBytesMax)) {
    const out: ParsedLine[] = [];
    for (const line of lines) {
      if (!headerSeen) {
        checkHeader(format, line);
        headerSeen = true;
        continue;
      }
      if (line.text === '' && !line.tooLong) continue;
      if (++records > limits.recordsMax) {
        throw new CdrError(CdrErrorCode.TOO_MANY_RECORDS, `more than ${limits.recordsMax} records (line ${line.lineNumber})`);
      }
      out.push({ lineNumber: line.lineNumber, raw: line.text, result: parseLine(format, line, seenIds, limits.lineBytesMax) });
    }
    if (out.length > 0) yield out;
  }
  if (!headerSeen) checkHeader(format, undefined);
}
