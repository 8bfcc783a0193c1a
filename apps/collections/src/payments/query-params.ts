/**
 * Query and path parameters of the collections API, each failure an INVALID_ARGUMENT naming the
 * parameter. Unknown parameters are refused (a misspelt filter would otherwise be ignored). Pure.
 */
import { CollectionsError } from './collections-error';
import { PAYMENT_STATUSES, type PaymentStatus } from '../matching/match-rules';

/** Longest parameter value accepted. */
export const QUERY_PARAMETER_MAX_LENGTH = 256;
/** Page size: default and most. */
export const PAGE_LIMIT_DEFAULT = 50;
export const PAGE_LIMIT_MAX = 500;
/** Deepest offset of a page. */
export const PAGE_OFFSET_MAX = 1_000_000;
const ID = /^[A-Za-z0-9_.|-]{1,64}$/;

export type RawQuery = Record<string, unknown>;

export function readQuery(query: RawQuery, accepted: readonly string[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, v] of Object.entries(query ?? {})) {
    if (!accepted.includes(name))
      throw CollectionsError.invalid(name.slice(0, 64), `unknown parameter; this route accepts ${accepted.join(', ') || 'none'}`);
    if (typeof v !== 'string') throw CollectionsError.invalid(name, 'must be given once');
    if (v.length > QUERY_PARAMETER_MAX_LENGTH) throw CollectionsError.invalid(name, `longer than ${QUERY_PARAMETER_MAX_LENGTH} characters`);
    out[name] = v;
  }
  return out;
}

export function readId(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!ID.test(value)) throw CollectionsError.invalid(name, `must match ${ID.source}`);
  return value;
}

/** An optional query parameter that must be one of `values` (a status filter); INVALID_ARGUMENT naming it otherwise. */
export function readOneOf<T extends string>(name: string, value: string | undefined, values: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(values as readonly string[]).includes(value)) throw CollectionsError.invalid(name, `one of ${values.join(', ')}`);
  return value as T;
}

export function readStatus(value: string | undefined): PaymentStatus | undefined {
  return readOneOf('status', value, PAYMENT_STATUSES);
}

function readInt(name: string, value: string | undefined, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^(0|[1-9][0-9]{0,9})$/.test(value) || Number(value) < min || Number(value) > max) {
    throw CollectionsError.invalid(name, `an integer from ${min} to ${max}`);
  }
  return Number(value);
}

export interface Page {
  limit: number;
  offset: number;
}

export function readPage(q: Record<string, string | undefined>): Page {
  return {
    limit: readInt('limit', q.limit, 1, PAGE_LIMIT_MAX, PAGE_LIMIT_DEFAULT),
    offset: readInt('offset', q.offset, 0, PAGE_OFFSET_MAX, 0),
  };
}

/** A real calendar date YYYY-MM-DD (2026-02-30 and 2026-13-01 are not). */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const ms = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === value;
}

/** A JSON object body with no fields but `allowed` (an unknown field is refused, named). */
export function readBody(body: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body) || Buffer.isBuffer(body))
    throw CollectionsError.invalid('body', 'a JSON object');
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).find((k) => !allowed.includes(k));
  if (unknown !== undefined) throw CollectionsError.invalid(unknown, 'is not a field of this request');
  return b;
}

/** An optional free-text field of a JSON body: printable, 1-`max` characters, trimmed; null when absent. */
export function readText(b: Record<string, unknown>, field: string, max: number): string | null {
  const v = b[field];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || v.trim() === '' || v.length > max || [...v].some((ch) => ch.charCodeAt(0) < 0x20))
    throw CollectionsError.invalid(field, `printable text of 1-${max} characters`);
  return v.trim();
}

/** An Idempotency-Key header: 1-100 printable ASCII characters. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,100}$/;
/** An amount in minor units in a JSON body: a positive whole number as a string (never a JSON number). */
export const POSITIVE_MINOR_PATTERN = /^[1-9][0-9]{0,17}$/;

/** The Idempotency-Key header, required; INVALID_ARGUMENT naming it otherwise. */
export function readIdempotencyKey(value: string | undefined): string {
  if (value === undefined || !IDEMPOTENCY_KEY_PATTERN.test(value))
    throw CollectionsError.invalid('Idempotency-Key', 'a header of 1-100 printable characters is required');
  return value;
}

/** An optional id field of a JSON body; INVALID_ARGUMENT naming it when it is not an id. */
export function isId(value: unknown): value is string {
  return typeof value === 'string' && ID.test(value);
}
