/**
 * Bulk rows into one table with COPY ... FROM STDIN (text format) on a client of a transaction:
 * PostgreSQL parses COPY text several times cheaper than the array parameters of an
 * `insert ... select * from unnest(...)`, and the client writes one line per row instead of
 * escaping every element of every array. Constraints, foreign keys and triggers apply as for
 * INSERT; an error fails the whole COPY (and its transaction).
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** A value of a COPY row: null is SQL NULL, booleans are t/f, the rest is written as its text. */
export type CopyValue = string | number | bigint | boolean | null;

/** Rows buffered per chunk written to the socket. */
export const COPY_ROWS_PER_CHUNK = 2_000;

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const SPECIAL = /[\\\n\r\t]/;

/** A value in COPY text format: backslash, newline, carriage return and tab escaped; NULL as \N. */
export function copyText(v: CopyValue): string {
  if (v === null) return '\\N';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (typeof v !== 'string') return v.toString(); // a number's or bigint's text has nothing to escape
  return SPECIAL.test(v) ? v.replace(/[\\\n\r\t]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t')) : v;
}

/** COPYs `rows` (each with one value per column, in order) into `table`; resolves to the rows written. */
export async function copyRows(
  c: PoolClient,
  table: string,
  columns: readonly string[],
  rows: Iterable<readonly CopyValue[]>,
): Promise<number> {
  for (const name of [table, ...columns]) if (!IDENTIFIER.test(name)) throw new RangeError(`copyRows: invalid identifier ${name}`);
  let count = 0;
  function* chunks(): Generator<string> {
    let buf = '';
    let inChunk = 0;
    for (const row of rows) {
      if (row.length !== columns.length) throw new RangeError(`copyRows: a row of ${row.length} values for ${columns.length} columns`);
      let line = copyText(row[0]);
      for (let i = 1; i < row.length; i++) line += `\t${copyText(row[i])}`;
      buf += `${line}\n`;
      count++;
      if (++inChunk === COPY_ROWS_PER_CHUNK) {
        yield buf;
        buf = '';
        inChunk = 0;
      }
    }
    if (buf !== '') yield buf;
  }
  const stream = c.query(copyFrom(`copy ${table} (${columns.join(', ')}) from stdin`));
  await pipeline(Readable.from(chunks()), stream);
  return count;
}
