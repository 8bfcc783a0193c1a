/**
 * A PostgreSQL array parameter as its text (`{"a","b",NULL}`), built in one join instead of by node-postgres.
 *
 * node-postgres sends an array parameter as this same text, but builds it element by element: a string
 * concatenation per element and two regular-expression replaces, recursively. For the arrays of a statement
 * import's batch (about twenty arrays of 500 elements) that was a fifth of everything node allocated during an
 * import, and the garbage collector's scavenges grew with it (RESULTS.md, "Matching: array parameters as
 * text"). The statement casts the parameter as before (`$1::text[]`, `$2::bigint[]`): PostgreSQL parses the
 * literal exactly as it parsed node-postgres's.
 *
 * Every element is quoted (a quoted element is never NULL nor split, whatever it holds); `"` and `\` inside one
 * are escaped with `\`; null and undefined are SQL NULL. Numbers and bigints are written as their text. Pure.
 */
export type PgArrayElement = string | number | bigint | null | undefined;

/** Characters an element must escape inside its quotes. */
const ESCAPED = /["\\]/;
const ESCAPED_ALL = /["\\]/g;

const quoted = (v: PgArrayElement): string => {
  if (v === null || v === undefined) return 'NULL';
  const s = typeof v === 'string' ? v : v.toString();
  return `"${ESCAPED.test(s) ? s.replace(ESCAPED_ALL, '\\$&') : s}"`;
};

export function pgArray(values: readonly PgArrayElement[]): string {
  if (values.length === 0) return '{}';
  // Two indexOf per string, not a regular expression's call (the test ran for every element of every array).
  for (const v of values)
    if (v === null || v === undefined || (typeof v === 'string' && (v.indexOf('"') >= 0 || v.indexOf('\\') >= 0)))
      return `{${values.map(quoted).join(',')}}`;
  // The common case: nothing to escape, no NULL: one join.
  return `{"${values.join('","')}"}`;
}
