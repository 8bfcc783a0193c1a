/**
 * The CDR file formats (FORMATS.md is their documentation; keep both in step). Pure: a line's
 * fields in, a normalised usage record or a precise reject reason out.
 */
import { MSISDN_PATTERN, SUBSCRIBER_ID_PATTERN } from '@app/events';
import { RatingGroups } from '@app/rating';
import {
  CDR_DATA_MAX_BYTES,
  CDR_DATA_SESSION_MAX_MS,
  CDR_RECORD_ID_MAX_LENGTH,
  CDR_START_MAX_MS,
  CDR_START_MIN_MS,
  CDR_VOICE_DURATION_MAX_S,
} from './cdr.limits';

export const CDR_FORMATS = ['voice', 'data'] as const;
export type CdrFormat = (typeof CDR_FORMATS)[number];

/** The header line of each format, field by field; the file's first line must be exactly this. */
export const CDR_HEADERS: Readonly<Record<CdrFormat, readonly string[]>> = {
  voice: ['record_id', 'calling_msisdn', 'called_number', 'start_time', 'duration_s', 'roaming', 'service_id'],
  data: ['record_id', 'subscriber', 'start_time', 'end_time', 'bytes_up', 'bytes_down', 'rating_group', 'roaming'],
};

/** The unit each format is rated in; a plan that rates the record in another unit is a reject. */
export const CDR_UNITS: Readonly<Record<CdrFormat, 'SECONDS' | 'BYTES'>> = { voice: 'SECONDS', data: 'BYTES' };

/** One usage record, normalised from either format. */
export interface CdrRecord {
  recordId: string;
  subscriberId: string;
  ratingGroup: number;
  serviceId: number;
  /** Voice only. */
  calledNumber?: string;
  startMs: number;
  /** Seconds (voice) or bytes up + down (data). */
  units: number;
  roaming: boolean;
}

/** Why one record was not rated. */
export enum CdrRejectCode {
  LINE_TOO_LONG = 'LINE_TOO_LONG',
  INVALID_ENCODING = 'INVALID_ENCODING',
  FIELD_COUNT = 'FIELD_COUNT',
  INVALID_FIELD = 'INVALID_FIELD',
  DUPLICATE_RECORD_ID = 'DUPLICATE_RECORD_ID',
  /** The record (same identity) was rated from another file, or another line, within the dedup window. */
  DUPLICATE = 'DUPLICATE',
  UNKNOWN_SUBSCRIBER = 'UNKNOWN_SUBSCRIBER',
  ACCOUNT_NOT_FOUND = 'ACCOUNT_NOT_FOUND',
  NOT_POSTPAID = 'NOT_POSTPAID',
  PLAN_NOT_FOUND = 'PLAN_NOT_FOUND',
  INVALID_PLAN = 'INVALID_PLAN',
  CURRENCY_MISMATCH = 'CURRENCY_MISMATCH',
  NO_RATE = 'NO_RATE',
  UNIT_MISMATCH = 'UNIT_MISMATCH',
  RATING_FAILED = 'RATING_FAILED',
}

export interface CdrReject {
  code: CdrRejectCode;
  reason: string;
}

export type LineResult = { ok: true; record: CdrRecord } | ({ ok: false } & CdrReject);

const RECORD_ID = new RegExp(`^[A-Za-z0-9_.:-]{1,${CDR_RECORD_ID_MAX_LENGTH}}$`);
/** E.164 digits without `+`, 5 to 15. */
const MSISDN = MSISDN_PATTERN;
/** An MSISDN or an IMSI (15 digits). */
const SUBSCRIBER = SUBSCRIBER_ID_PATTERN;
/** Digits with an optional leading `+`, at most 32 characters (the rating library's limit). */
const CALLED_NUMBER = /^(?=.{1,32}$)\+?[0-9]+$/;
const UNSIGNED = /^(0|[1-9][0-9]{0,15})$/;
const ISO_UTC = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,3}))?Z$/;
const UINT32_MAX = 4_294_967_295;

class FieldProblem {
  constructor(
    readonly field: string,
    readonly message: string,
  ) {}
}

function shown(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
}

function matching(field: string, value: string, pattern: RegExp, what: string): string {
  if (!pattern.test(value)) throw new FieldProblem(field, `expected ${what}, got ${shown(value)}`);
  return value;
}

function integer(field: string, value: string, max: number): number {
  const n = UNSIGNED.test(value) ? Number(value) : NaN;
  if (!(n <= max)) throw new FieldProblem(field, `expected an integer from 0 to ${max}, got ${shown(value)}`);
  return n;
}

function daysInMonth(year: number, month: number): number {
  return month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Strict ISO-8601 UTC (`2026-11-21T08:15:00Z`, optional `.sss`), a real calendar instant in the accepted range. */
export function parseUtcTime(field: string, value: string): number {
  const m = ISO_UTC.exec(value);
  const [y, mo, d, h, mi, s] = m ? [+m[1], +m[2], +m[3], +m[4], +m[5], +m[6]] : [0, 0, 0, 0, 0, 0];
  // Checked field by field (no leap second): Date.UTC would roll 2026-02-30 over to March.
  if (!m || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) {
    throw new FieldProblem(field, `expected an ISO-8601 UTC time like 2026-11-21T08:15:00Z, got ${shown(value)}`);
  }
  const ms = Date.UTC(y, mo - 1, d, h, mi, s, m[7] ? +m[7].padEnd(3, '0') : 0);
  if (ms < CDR_START_MIN_MS || ms > CDR_START_MAX_MS) {
    throw new FieldProblem(
      field,
      `must be from ${new Date(CDR_START_MIN_MS).toISOString()} to ${new Date(CDR_START_MAX_MS).toISOString()}, got ${value}`,
    );
  }
  return ms;
}

function flag(field: string, value: string): boolean {
  if (value !== '0' && value !== '1') throw new FieldProblem(field, `expected 0 or 1, got ${shown(value)}`);
  return value === '1';
}

function voiceRecord(f: readonly string[]): CdrRecord {
  return {
    recordId: matching('record_id', f[0], RECORD_ID, `1-${CDR_RECORD_ID_MAX_LENGTH} of [A-Za-z0-9_.:-]`),
    subscriberId: matching('calling_msisdn', f[1], MSISDN, 'E.164 digits without +, 5 to 15'),
    calledNumber: matching('called_number', f[2], CALLED_NUMBER, 'digits with an optional leading +, at most 32 characters'),
    startMs: parseUtcTime('start_time', f[3]),
    units: integer('duration_s', f[4], CDR_VOICE_DURATION_MAX_S),
    roaming: flag('roaming', f[5]),
    serviceId: integer('service_id', f[6], UINT32_MAX),
    ratingGroup: RatingGroups.VOICE,
  };
}

function dataRecord(f: readonly string[]): CdrRecord {
  const recordId = matching('record_id', f[0], RECORD_ID, `1-${CDR_RECORD_ID_MAX_LENGTH} of [A-Za-z0-9_.:-]`);
  const subscriberId = matching('subscriber', f[1], SUBSCRIBER, 'an MSISDN or IMSI of 5 to 15 digits');
  const startMs = parseUtcTime('start_time', f[2]);
  const endMs = parseUtcTime('end_time', f[3]);
  if (endMs < startMs) throw new FieldProblem('end_time', `must not be before start_time, got ${f[3]} < ${f[2]}`);
  if (endMs - startMs > CDR_DATA_SESSION_MAX_MS)
    throw new FieldProblem('end_time', `the record spans more than ${CDR_DATA_SESSION_MAX_MS} ms`);
  const up = integer('bytes_up', f[4], CDR_DATA_MAX_BYTES);
  const down = integer('bytes_down', f[5], CDR_DATA_MAX_BYTES);
  if (up + down > CDR_DATA_MAX_BYTES)
    throw new FieldProblem('bytes_down', `bytes_up + bytes_down must be at most ${CDR_DATA_MAX_BYTES}, got ${up + down}`);
  const ratingGroup = integer('rating_group', f[6], UINT32_MAX);
  return { recordId, subscriberId, startMs, units: up + down, ratingGroup, serviceId: 0, roaming: flag('roaming', f[7]) };
}

/** Parses one data line (no line break) of `format`. */
export function parseCdrLine(format: CdrFormat, line: string): LineResult {
  const fields = line.split(',');
  const expected = CDR_HEADERS[format].length;
  if (fields.length !== expected) {
    return { ok: false, code: CdrRejectCode.FIELD_COUNT, reason: `expected ${expected} comma-separated fields, got ${fields.length}` };
  }
  try {
    return { ok: true, record: format === 'voice' ? voiceRecord(fields) : dataRecord(fields) };
  } catch (e) {
    if (!(e instanceof FieldProblem)) throw e;
    return { ok: false, code: CdrRejectCode.INVALID_FIELD, reason: `${e.field}: ${e.message}` };
  }
}

export function isCdrFormat(value: unknown): value is CdrFormat {
  return typeof value === 'string' && (CDR_FORMATS as readonly string[]).includes(value);
}
