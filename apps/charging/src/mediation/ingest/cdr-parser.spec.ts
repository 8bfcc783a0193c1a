import { Readable } from 'node:stream';
import { CdrError, CdrErrorCode } from '../cdr-error';
import { CDR_HEADERS, CdrFormat, CdrRejectCode } from '../cdr-formats';
import { ParsedLine, parseCdrStream, ParserLimits } from './cdr-parser';

const VOICE_HEADER = CDR_HEADERS.voice.join(',');
const DATA_HEADER = CDR_HEADERS.data.join(',');
const VOICE_OK = 'v-1,33612345678,33140000000,2026-11-20T08:15:00Z,125,0,1';
const DATA_OK = 'd-1,208010000000001,2026-11-20T08:00:00Z,2026-11-20T08:30:00.5Z,1000,24000,20,1';

/** Feeds `text` in chunks of `chunkBytes` (1 = byte by byte, to cross every boundary). */
async function parse(format: CdrFormat, text: string | Buffer, chunkBytes = 64 * 1024, limits?: ParserLimits): Promise<ParsedLine[]> {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkBytes) chunks.push(bytes.subarray(i, i + chunkBytes));
  const out: ParsedLine[] = [];
  for await (const group of parseCdrStream(Readable.from(chunks), format, limits)) out.push(...group);
  return out;
}

async function parseError(format: CdrFormat, text: string, limits?: ParserLimits): Promise<CdrError> {
  try {
    await parse(format, text, 64 * 1024, limits);
  } catch (e) {
    if (e instanceof CdrError) return e;
    throw e;
  }
  throw new Error('expected a CdrError');
}

describe('CDR parser', () => {
  it('parses a voice file into normalised records', async () => {
    const [line] = await parse('voice', `${VOICE_HEADER}\n${VOICE_OK}\n`);
    expect(line).toEqual({
      lineNumber: 2,
      raw: VOICE_OK,
      result: {
        ok: true,
        record: {
          recordId: 'v-1',
          subscriberId: '33612345678',
          calledNumber: '33140000000',
          startMs: Date.UTC(2026, 10, 20, 8, 15),
          units: 125,
          roaming: false,
          serviceId: 1,
          ratingGroup: 10,
        },
      },
    });
  });

  it('parses a data file: units are bytes up + down, milliseconds kept', async () => {
    const [line] = await parse('data', `${DATA_HEADER}\r\n${DATA_OK}`);
    expect(line.result).toEqual({
      ok: true,
      record: {
        recordId: 'd-1',
        subscriberId: '208010000000001',
        startMs: Date.UTC(2026, 10, 20, 8),
        units: 25000,
        ratingGroup: 20,
        serviceId: 0,
        roaming: true,
      },
    });
  });

  it('gives the same result whatever the chunking, with CRLF, a BOM and blank lines', async () => {
    const text = `\uFEFF${VOICE_HEADER}\r\n${VOICE_OK}\r\n\r\n${VOICE_OK.replace('v-1', 'v-2')}\r\n`;
    const whole = await parse('voice', text);
    expect(await parse('voice', text, 1)).toEqual(whole);
    expect(await parse('voice', text, 7)).toEqual(whole);
    expect(whole.map((l) => [l.lineNumber, l.result.ok])).toEqual([
      [2, true],
      [4, true],
    ]);
  });

  it.each<[string, string, string]>([
    ['record_id', 'v 1,33612345678,33140000000,2026-11-20T08:15:00Z,125,0,1', 'record_id: expected 1-64 of [A-Za-z0-9_.:-], got "v 1"'],
    [
      'calling_msisdn',
      'v-1,+33612345678,33140000000,2026-11-20T08:15:00Z,125,0,1',
      'calling_msisdn: expected E.164 digits without +, 5 to 15, got "+33612345678"',
    ],
    [
      'called_number',
      'v-1,33612345678,33-1400,2026-11-20T08:15:00Z,125,0,1',
      'called_number: expected digits with an optional leading +, at most 32 characters, got "33-1400"',
    ],
    [
      'start_time format',
      'v-1,33612345678,33140000000,2026-11-20 08:15:00,125,0,1',
      'start_time: expected an ISO-8601 UTC time like 2026-11-21T08:15:00Z, got "2026-11-20 08:15:00"',
    ],
    [
      'start_time offset',
      'v-1,33612345678,33140000000,2026-11-20T08:15:00+01:00,125,0,1',
      'start_time: expected an ISO-8601 UTC time like 2026-11-21T08:15:00Z, got "2026-11-20T08:15:00+01:00"',
    ],
    [
      'start_time calendar',
      'v-1,33612345678,33140000000,2026-02-30T08:15:00Z,125,0,1',
      'start_time: expected an ISO-8601 UTC time like 2026-11-21T08:15:00Z, got "2026-02-30T08:15:00Z"',
    ],
    [
      'start_time range',
      'v-1,33612345678,33140000000,1999-12-31T23:59:59Z,125,0,1',
      'start_time: must be from 2000-01-01T00:00:00.000Z to 2099-12-31T23:59:59.999Z, got 1999-12-31T23:59:59Z',
    ],
    [
      'duration_s text',
      'v-1,33612345678,33140000000,2026-11-20T08:15:00Z,12x,0,1',
      'duration_s: expected an integer from 0 to 86400, got "12x"',
    ],
    [
      'duration_s negative',
      'v-1,33612345678,33140000000,2026-11-20T08:15:00Z,-5,0,1',
      'duration_s: expected an integer from 0 to 86400, got "-5"',
    ],
    [
      'duration_s too long',
      'v-1,33612345678,33140000000,2026-11-20T08:15:00Z,86401,0,1',
      'duration_s: expected an integer from 0 to 86400, got "86401"',
    ],
    ['roaming', 'v-1,33612345678,33140000000,2026-11-20T08:15:00Z,125,yes,1', 'roaming: expected 0 or 1, got "yes"'],
    [
      'service_id',
      'v-1,33612345678,33140000000,2026-11-20T08:15:00Z,125,0,4294967296',
      'service_id: expected an integer from 0 to 4294967295, got "4294967296"',
    ],
  ])('voice: a bad %s is INVALID_FIELD with its reason', async (_name, line, reason) => {
    const [parsed] = await parse('voice', `${VOICE_HEADER}\n${line}\n`);
    expect(parsed.result).toEqual({ ok: false, code: CdrRejectCode.INVALID_FIELD, reason });
  });

  it.each<[string, string, string]>([
    [
      'subscriber',
      'd-1,2080100000000012,2026-11-20T08:00:00Z,2026-11-20T08:30:00Z,1,1,20,0',
      'subscriber: expected an MSISDN or IMSI of 5 to 15 digits, got "2080100000000012"',
    ],
    [
      'end_time before start',
      'd-1,208010000000001,2026-11-20T08:00:00Z,2026-11-20T07:59:59Z,1,1,20,0',
      'end_time: must not be before start_time, got 2026-11-20T07:59:59Z < 2026-11-20T08:00:00Z',
    ],
    [
      'end_time too late',
      'd-1,208010000000001,2026-11-20T08:00:00Z,2026-11-28T08:00:00Z,1,1,20,0',
      'end_time: the record spans more than 604800000 ms',
    ],
    [
      'bytes_up',
      'd-1,208010000000001,2026-11-20T08:00:00Z,2026-11-20T08:30:00Z,1.5,1,20,0',
      'bytes_up: expected an integer from 0 to 10000000000000, got "1.5"',
    ],
    [
      'bytes_down',
      'd-1,208010000000001,2026-11-20T08:00:00Z,2026-11-20T08:30:00Z,1,,20,0',
      'bytes_down: expected an integer from 0 to 10000000000000, got ""',
    ],
    [
      'bytes total',
      'd-1,208010000000001,2026-11-20T08:00:00Z,2026-11-20T08:30:00Z,9000000000000,1000000000001,20,0',
      'bytes_down: bytes_up + bytes_down must be at most 10000000000000, got 10000000000001',
    ],
    [
      'rating_group',
      'd-1,208010000000001,2026-11-20T08:00:00Z,2026-11-20T08:30:00Z,1,1,020,0',
      'rating_group: expected an integer from 0 to 4294967295, got "020"',
    ],
    ['roaming', 'd-1,208010000000001,2026-11-20T08:00:00Z,2026-11-20T08:30:00Z,1,1,20,', 'roaming: expected 0 or 1, got ""'],
  ])('data: a bad %s is INVALID_FIELD with its reason', async (_name, line, reason) => {
    const [parsed] = await parse('data', `${DATA_HEADER}\n${line}\n`);
    expect(parsed.result).toEqual({ ok: false, code: CdrRejectCode.INVALID_FIELD, reason });
  });

  it('rejects a wrong field count, a duplicate record id and invalid UTF-8, and goes on', async () => {
    const bad = Buffer.concat([
      Buffer.from(`${VOICE_HEADER}\nv-1,1,2\n${VOICE_OK}\n${VOICE_OK}\nv-9,336`),
      Buffer.from([0xc3, 0x28]),
      Buffer.from(`\n${VOICE_OK.replace('v-1', 'v-3')}\n`),
    ]);
    const lines = await parse('voice', bad);
    expect(lines.map((l) => [l.lineNumber, l.result.ok ? 'OK' : l.result.code])).toEqual([
      [2, CdrRejectCode.FIELD_COUNT],
      [3, 'OK'],
      [4, CdrRejectCode.DUPLICATE_RECORD_ID],
      [5, CdrRejectCode.INVALID_ENCODING],
      [6, 'OK'],
    ]);
    expect(lines[0].result).toMatchObject({ reason: 'expected 7 comma-separated fields, got 3' });
    expect(lines[2].result).toMatchObject({ reason: 'record_id v-1 appears earlier in the file' });
  });

  it('rejects an over-long line with its first bytes and keeps reading; a line at the limit passes, CRLF or not', async () => {
    const atLimit = VOICE_OK.replace('v-1', `v-${'1'.repeat(100 - VOICE_OK.length + 1)}`);
    expect(atLimit).toHaveLength(100);
    const text = `${VOICE_HEADER}\n${'x'.repeat(5000)}\n${atLimit}\r\n${atLimit.replace('v-', 'w-')}\n${atLimit}9\n`;
    const lines = await parse('voice', text, 16, { lineBytesMax: 100, recordsMax: 10 });
    expect(lines[0]).toEqual({
      lineNumber: 2,
      raw: 'x'.repeat(100),
      result: { ok: false, code: CdrRejectCode.LINE_TOO_LONG, reason: 'the line is longer than 100 bytes' },
    });
    expect(lines.slice(1).map((l) => [l.lineNumber, l.result.ok ? 'OK' : l.result.code])).toEqual([
      [3, 'OK'],
      [4, 'OK'],
      [5, CdrRejectCode.LINE_TOO_LONG],
    ]);
  });

  it('refuses a file whose header is not the format header, and an empty file', async () => {
    const e = await parseError('voice', `${DATA_HEADER}\n${DATA_OK}\n`);
    expect(e.code).toBe(CdrErrorCode.HEADER_MISMATCH);
    expect(e.message).toBe(`line 1: expected the voice header "${VOICE_HEADER}", got "${DATA_HEADER}"`);
    expect((await parseError('voice', `${VOICE_HEADER},extra\n`)).code).toBe(CdrErrorCode.HEADER_MISMATCH);
    expect((await parseError('voice', '')).code).toBe(CdrErrorCode.EMPTY_FILE);
    expect((await parseError('voice', '\n')).code).toBe(CdrErrorCode.EMPTY_FILE);
  });

  it('refuses more records than the limit', async () => {
    const text = `${VOICE_HEADER}\n${VOICE_OK}\n${VOICE_OK.replace('v-1', 'v-2')}\n`;
    const e = await parseError('voice', text, { lineBytesMax: 1024, recordsMax: 1 });
    expect(e.code).toBe(CdrErrorCode.TOO_MANY_RECORDS);
  });
});
