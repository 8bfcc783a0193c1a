/**
 * The one place where values become ClickHouse SQL text. Nothing else in the codebase builds SQL by
 * concatenation: queries are written with the `sql` tag, which accepts only fragments made here
 * (every value validated and escaped), and throws on anything else.
 *
 * Why not server-side parameters (`{name:Type}`)? The packaged ClickHouse of the development
 * machines (18.16) predates them; literals escaped here work on 18.16 and on current servers alike.
 *
 * Bad values are operating errors (`SqlValueError`, with a code), never silently coerced.
 */

export type SqlValueErrorCode = 'INVALID_IDENTIFIER' | 'INVALID_STRING' | 'OUT_OF_RANGE' | 'NOT_ALLOWED' | 'EMPTY_LIST';

export class SqlValueError extends RangeError {
  constructor(
    readonly code: SqlValueErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SqlValueError';
  }
}

/** Held only by this module: no other code can mint a fragment. */
const MINT: unique symbol = Symbol('Sql.mint');

/** A piece of SQL text that came out of this module (or out of the `sql` tag). */
export class Sql {
  constructor(
    token: typeof MINT,
    readonly text: string,
  ) {
    if (token !== MINT) throw new TypeError('Sql fragments are made by libs/analytics/src/sql.ts only');
  }
  toString(): string {
    return this.text;
  }
}

const trusted = (text: string): Sql => new Sql(MINT, text);

/** ClickHouse identifiers we allow: plain ASCII names, never quoting tricks. */
export const IDENTIFIER_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** Longest string literal accepted, in UTF-16 code units (an account id list is far shorter). */
export const STRING_LITERAL_MAX_LENGTH = 64 * 1024;
/** Most items in one `IN (...)` list. */
export const LIST_ITEMS_MAX = 10_000;

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
export const UINT64_MAX = 2n ** 64n - 1n;
export const UINT32_MAX = 2n ** 32n - 1n;

/** Epoch milliseconds that both Date and DateTime hold on 18.16 and current servers: [1970-01-01, 2106-01-01). */
export const EPOCH_MIN_MS = 0;
export const EPOCH_MAX_MS = Date.UTC(2106, 0, 1) - 1;

/** `` `name` `` after checking it against IDENTIFIER_PATTERN. */
export function ident(name: string): Sql {
  if (typeof name !== 'string' || !IDENTIFIER_PATTERN.test(name)) {
    throw new SqlValueError(
      'INVALID_IDENTIFIER',
      `not an identifier (${IDENTIFIER_PATTERN}): ${JSON.stringify(String(name)).slice(0, 80)}`,
    );
  }
  return trusted(`\`${name}\``);
}

/** `` `database`.`table` ``. */
export function qualified(database: string, table: string): Sql {
  return trusted(`${ident(database).text}.${ident(table).text}`);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Throws unless `value` is a string that encodes to valid UTF-8 without NUL, within the length cap. */
export function assertSafeText(value: string): void {
  if (typeof value !== 'string') throw new SqlValueError('INVALID_STRING', `not a string: ${typeof value}`);
  if (value.length > STRING_LITERAL_MAX_LENGTH)
    throw new SqlValueError('INVALID_STRING', `string longer than ${STRING_LITERAL_MAX_LENGTH}`);
  if (value.includes('\0')) throw new SqlValueError('INVALID_STRING', 'string contains NUL');
  if (LONE_SURROGATE.test(value)) throw new SqlValueError('INVALID_STRING', 'string is not valid UTF-8 (lone surrogate)');
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', "'": "\\'", '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `'...'`: backslash and quote escaped; line breaks and other control characters as escapes, so a literal is one line. */
export function str(value: string): Sql {
  assertSafeText(value);
  // eslint-disable-next-line no-control-regex -- finding control characters is the point: they are escaped
  const body = value.replace(/[\\'\n\r\t]|[\x01-\x1f\x7f]/g, (c) => ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return trusted(`'${body}'`);
}

function integer(value: bigint | number, min: bigint, max: bigint, type: string): Sql {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new SqlValueError('OUT_OF_RANGE', `${type}: ${value} is not a safe integer (pass a bigint)`);
  }
  if (typeof value !== 'number' && typeof value !== 'bigint') throw new SqlValueError('OUT_OF_RANGE', `${type}: not an integer`);
  const v = BigInt(value);
  if (v < min || v > max) throw new SqlValueError('OUT_OF_RANGE', `${type}: ${v} outside [${min}, ${max}]`);
  return trusted(v.toString());
}

export const int64 = (value: bigint | number): Sql => integer(value, INT64_MIN, INT64_MAX, 'Int64');
export const uint64 = (value: bigint | number): Sql => integer(value, 0n, UINT64_MAX, 'UInt64');
export const uint32 = (value: bigint | number): Sql => integer(value, 0n, UINT32_MAX, 'UInt32');

/** Throws unless `ms` is an integer epoch-ms within [EPOCH_MIN_MS, EPOCH_MAX_MS]. */
export function assertEpochMs(ms: number): void {
  if (!Number.isSafeInteger(ms) || ms < EPOCH_MIN_MS || ms > EPOCH_MAX_MS) {
    throw new SqlValueError('OUT_OF_RANGE', `epoch ms ${ms} outside [${EPOCH_MIN_MS}, ${EPOCH_MAX_MS}] (1970-01-01 .. 2105-12-31 UTC)`);
  }
}

/** `YYYY-MM-DD` (UTC) of an epoch-ms: the text form of a Date value (JSONEachRow rows). */
export function formatDate(ms: number): string {
  assertEpochMs(ms);
  return new Date(ms).toISOString().slice(0, 10);
}

/** `YYYY-MM-DD hh:mm:ss` (UTC, whole seconds, truncated) of an epoch-ms: the text form of a DateTime('UTC'). */
export function formatDateTime(ms: number): string {
  assertEpochMs(ms);
  return new Date(ms - (ms % 1000)).toISOString().slice(0, 19).replace('T', ' ');
}

/** `toDate('YYYY-MM-DD')` of the UTC day of `ms`. */
export function dateFromEpochMs(ms: number): Sql {
  return trusted(`toDate('${formatDate(ms)}')`);
}

/** `toDateTime('YYYY-MM-DD hh:mm:ss', 'UTC')` of `ms`, truncated to the second. */
export function dateTimeFromEpochMs(ms: number): Sql {
  return trusted(`toDateTime('${formatDateTime(ms)}', 'UTC')`);
}

/** A string literal of `value` after checking it is one of `allowed`. */
export function enumValue<T extends string>(value: T, allowed: readonly T[]): Sql {
  if (!allowed.includes(value)) {
    throw new SqlValueError('NOT_ALLOWED', `${JSON.stringify(String(value)).slice(0, 80)} is not one of ${allowed.join(', ')}`);
  }
  return str(value);
}

/** `a, b, c` of fragments, for `IN (...)`; never empty, at most LIST_ITEMS_MAX items. */
export function list(items: readonly Sql[]): Sql {
  if (items.length === 0) throw new SqlValueError('EMPTY_LIST', 'empty list');
  if (items.length > LIST_ITEMS_MAX) throw new SqlValueError('OUT_OF_RANGE', `list of ${items.length} items, more than ${LIST_ITEMS_MAX}`);
  return trusted(items.map((i) => checkFragment(i).text).join(', '));
}

function checkFragment(value: unknown): Sql {
  if (!(value instanceof Sql)) {
    // A programmer error: a raw value reached SQL without going through this module.
    throw new TypeError(`sql: interpolated value is not an Sql fragment (${typeof value}); escape it with ident/str/int64/...`);
  }
  return value;
}

/** The SQL tag: `sql\`SELECT ... WHERE a = ${str(x)}\``. Only fragments from this module may be interpolated. */
export function sql(strings: TemplateStringsArray, ...values: Sql[]): Sql {
  let text = strings[0];
  values.forEach((v, i) => {
    text += checkFragment(v).text + strings[i + 1];
  });
  return trusted(text);
}
