/**
 * JSONEachRow encoding that keeps 64-bit integers exact: a `bigint` is written as an unquoted
 * integer. JSON.stringify cannot do that (it throws on bigint, and a `number` loses digits above
 * 2^53), and ClickHouse 18.16 does not read quoted integers in JSONEachRow, so Int64/UInt64
 * columns need bare digits. This is JSON serialization, not SQL: values never enter a query text.
 */

export type JsonCell = string | number | bigint | boolean | null | readonly JsonCell[] | { readonly [key: string]: JsonCell };

/** JSON text of `value`, with bigints as bare integers. Throws on non-finite numbers and other types. */
export function stringifyJson(value: unknown): string {
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'number':
      if (!Number.isFinite(value)) throw new RangeError(`JSON: ${value} is not a finite number`);
      return JSON.stringify(value);
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) return `[${value.map(stringifyJson).join(',')}]`;
      return `{${Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${JSON.stringify(k)}:${stringifyJson(v)}`)
        .join(',')}}`;
    default:
      throw new TypeError(`JSON: cannot encode a ${typeof value}`);
  }
}
