/**
 * Several statements of one transaction sent as ONE statement, so a batch's writes cost one round trip
 * instead of one each (each round trip waits for the client's event loop as well as the network):
 *
 *   with a as (insert ... returning ...), b as (update ... returning ...), ... <select>
 *
 * Each part's `$n` placeholders are renumbered after the parameters of the parts before it. PostgreSQL
 * runs the parts on one snapshot and in no set order; foreign keys, constraint triggers and
 * statement-level triggers are checked once the whole statement ran, so a part may insert rows that
 * reference the rows another part inserts. A part must not read what another part writes, and no two
 * parts may change the same row. `select` reads the parts' RETURNING rows by their names.
 */
import { createHash } from 'node:crypto';
import type { QueryConfig } from 'pg';

/** Parts of one combined statement at most (a guard against building one by mistake in a loop). */
export const COMBINED_STATEMENT_PARTS_MAX = 16;

const NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function statementsAsOne(parts: readonly { name: string; q: QueryConfig }[], select: string): QueryConfig {
  if (parts.length === 0 || parts.length > COMBINED_STATEMENT_PARTS_MAX)
    throw new RangeError(`statementsAsOne: 1-${COMBINED_STATEMENT_PARTS_MAX} parts, not ${parts.length}`);
  const values: unknown[] = [];
  const ctes = parts.map(({ name, q }) => {
    if (!NAME.test(name)) throw new RangeError(`statementsAsOne: part name ${JSON.stringify(name)} is not a plain identifier`);
    const own = q.values ?? [];
    const offset = values.length;
    const text = q.text.replace(/\$(\d+)|\$/g, (whole: string, n: string | undefined) => {
      const i = n === undefined ? NaN : Number(n);
      if (!(i >= 1 && i <= own.length))
        throw new RangeError(`statementsAsOne: part ${name} has ${whole} beyond its ${own.length} parameters`);
      return `$${i + offset}`;
    });
    values.push(...own);
    return `${name} as (${text})`;
  });
  return { text: `with ${ctes.join(',\n')}\n${select}`, values };
}

/** Hex digits of SHA-1(text) in a prepared statement's name (80 bits: two texts of one process never meet). */
const PREPARED_NAME_HEX = 20;

/**
 * `q` as a named prepared statement, its name derived from its text: each connection parses and plans it once
 * and then only binds and runs it (PostgreSQL keeps a custom plan per call for the first five calls, then a
 * generic one when that is no dearer). For the statements an import runs once per batch, thousands of times on
 * a handful of connections: parsing and planning them every time was 3.3 % of the import's PostgreSQL samples
 * (perf; RESULTS.md, "Matching: the batch rows' events as json, statements prepared once, the status as a
 * CHECK"). Not for a statement whose arrays the planner should see as constants: a bitmap scan's `= any(...)`
 * recheck is hashed only for a constant array. Statements of one text but different parameter types must not
 * share it. Pure.
 */
export function preparedOnce(q: QueryConfig): QueryConfig {
  return { name: `s_${createHash('sha1').update(q.text).digest('hex').slice(0, PREPARED_NAME_HEX)}`, text: q.text, values: q.values };
}
