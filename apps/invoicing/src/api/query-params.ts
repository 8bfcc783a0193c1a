/**
 * Parsing of query and path parameters into typed values, each failure an INVALID_ARGUMENT that
 * names the parameter. Pure functions: the commands of the use cases call them when they are
 * created, so a bad request never reaches ClickHouse or NATS.
 */
import { ACCOUNT_ID_PATTERN, RATED_EVENT_TYPES, RatedEventType } from '@app/events';
import { QUERY_PARAMETER_MAX_LENGTH } from '../usage/usage-limits';
import { InvoicingError } from './invoicing-error';

const DAY_MS = 86_400_000;
/** Epoch ms both ClickHouse Date and DateTime hold: [1970-01-01, 2106-01-01). */
const INSTANT_MAX_MS = Date.UTC(2106, 0, 1);
/** `YYYY-MM-DD` (UTC midnight) or `YYYY-MM-DDThh:mm[:ss[.fff]]` with `Z` or `±hh:mm`. */
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2}))?$/;
const UINT32_MAX = 0xffffffff;

export type RawQuery = Record<string, unknown>;

/**
 * Reads the parameters of one request: each at most once, each a string within the length cap,
 * and none that the route does not know (a misspelt filter would otherwise be ignored silently).
 */
export class QueryReader {
  private readonly seen = new Set<string>();

  constructor(private readonly query: RawQuery) {}

  /** The value of `name`, or undefined when absent. */
  optional(name: string): string | undefined {
    this.seen.add(name);
    const v = this.query[name];
    if (v === undefined) return undefined;
    if (Array.isArray(v)) throw InvoicingError.invalid(name, 'given more than once');
    if (typeof v !== 'string') throw InvoicingError.invalid(name, 'must be a single value');
    if (v.length > QUERY_PARAMETER_MAX_LENGTH) throw InvoicingError.invalid(name, `longer than ${QUERY_PARAMETER_MAX_LENGTH} characters`);
    return v;
  }

  required(name: string): string {
    const v = this.optional(name);
    if (v === undefined || v === '') throw InvoicingError.invalid(name, 'is required');
    return v;
  }

  /** Throws for the first parameter that no `optional`/`required` call asked for. */
  finish(): void {
    const unknown = Object.keys(this.query).find((k) => !this.seen.has(k));
    if (unknown !== undefined) {
      const name = parameterName(unknown);
      throw InvoicingError.invalid(name, `unknown parameter; this route accepts ${[...this.seen].join(', ') || 'none'}`);
    }
  }
}

/** Longest part of an unknown parameter's name echoed in `parameter`. */
const PARAMETER_NAME_SHOWN_MAX_LENGTH = 64;

/**
 * An unknown parameter's name as the `parameter` field gives it: as sent, not JSON-quoted (the
 * client compares it with what it sent), cut short, with anything but printable ASCII, and `"`,
 * replaced by `?` so it stays one clean token.
 */
export function parameterName(name: string): string {
  return name.slice(0, PARAMETER_NAME_SHOWN_MAX_LENGTH).replace(/[^\x21-\x7e]|"/g, '?');
}

/** A parameter value as it may appear in an error message: short, one line, ASCII, JSON-quoted. */
export function printable(value: string): string {
  const s = JSON.stringify(value.slice(0, 64));
  return s.replace(/[^\x20-\x7e]/g, '?');
}

/** An instant: `YYYY-MM-DD` (UTC midnight) or an ISO 8601 date-time with `Z` or an offset. */
export function parseInstant(name: string, value: string): number {
  const m = INSTANT.exec(value);
  const hint = 'expected YYYY-MM-DD or an ISO 8601 date-time with Z or an offset, e.g. 2026-11-01T00:00:00Z';
  if (m === null) throw InvoicingError.invalid(name, `${printable(value)}: ${hint}`);
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(frac.padEnd(3, '0')));
  const probe = new Date(wall);
  // Date.UTC rolls 2026-02-30 over into March: a round trip catches impossible dates and times.
  const valid =
    probe.getUTCFullYear() === Number(y) &&
    probe.getUTCMonth() === Number(mo) - 1 &&
    probe.getUTCDate() === Number(d) &&
    probe.getUTCHours() === Number(h) &&
    probe.getUTCMinutes() === Number(mi) &&
    probe.getUTCSeconds() === Number(s);
  const offsetMin = zone === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  if (!valid || Math.abs(offsetMin) > 18 * 60) throw InvoicingError.invalid(name, `${printable(value)} is not a valid date or time`);
  const ms = wall - offsetMin * 60_000;
  if (ms < 0 || ms >= INSTANT_MAX_MS) throw InvoicingError.invalid(name, 'must lie between 1970-01-01 and 2105-12-31');
  return ms;
}

export interface Period {
  fromMs: number;
  toMs: number;
}

/** `from` (inclusive) and `to` (exclusive), both required, from < to, at most `maxDays` apart. */
export function readPeriod(q: QueryReader, maxDays: number): Period {
  const fromMs = parseInstant('from', q.required('from'));
  const toMs = parseInstant('to', q.required('to'));
  if (toMs <= fromMs) throw InvoicingError.invalid('to', 'must be after from');
  if (toMs - fromMs > maxDays * DAY_MS) throw InvoicingError.invalid('to', `the period from..to may span at most ${maxDays} days`);
  return { fromMs, toMs };
}

/** An optional unsigned 32-bit decimal integer without sign or leading zeros (serviceId, ratingGroup). */
export function readUint32(q: QueryReader, name: string): number | undefined {
  const v = q.optional(name);
  if (v === undefined) return undefined;
  if (!/^(0|[1-9][0-9]{0,9})$/.test(v) || Number(v) > UINT32_MAX) {
    throw InvoicingError.invalid(name, `${printable(v)}: expected an integer from 0 to ${UINT32_MAX}`);
  }
  return Number(v);
}

/** An optional integer in [min, max], `fallback` when absent (limit, offset). */
export function readInt(q: QueryReader, name: string, min: number, max: number, fallback: number): number {
  const v = q.optional(name);
  if (v === undefined) return fallback;
  if (!/^(0|[1-9][0-9]{0,15})$/.test(v) || Number(v) < min || Number(v) > max) {
    throw InvoicingError.invalid(name, `${printable(v)}: expected an integer from ${min} to ${max}`);
  }
  return Number(v);
}

/** `type`: a comma list of rated-event types, `fallback` when absent. */
export function readTypes(q: QueryReader, fallback: readonly RatedEventType[]): readonly RatedEventType[] {
  const v = q.optional('type');
  if (v === undefined) return fallback;
  const types = v.split(',');
  const bad = types.find((t) => !(RATED_EVENT_TYPES as readonly string[]).includes(t));
  if (bad !== undefined) throw InvoicingError.invalid('type', `${printable(bad)} is not one of ${RATED_EVENT_TYPES.join(', ')}`);
  if (new Set(types).size !== types.length) throw InvoicingError.invalid('type', 'lists a type twice');
  return types as RatedEventType[];
}

/** The `accountId` path parameter (the subject-token pattern of @app/events). */
export function parseAccountId(value: unknown, name = 'accountId'): string {
  if (typeof value !== 'string' || !ACCOUNT_ID_PATTERN.test(value)) {
    throw InvoicingError.invalid(name, `${printable(String(value))} is not an account id (${ACCOUNT_ID_PATTERN.source})`);
  }
  return value;
}

/** Epoch ms as ISO 8601 UTC, for echoing the period back. */
export function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}
