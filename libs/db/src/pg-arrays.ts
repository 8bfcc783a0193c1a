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
const ESCAPED_ALL = /["\\]/g;

/** Whether `s` holds a character to escape: two indexOf, not a regular expression's call (run for every element of every array). */
const needsEscape = (s: string): boolean => s.indexOf('"') >= 0 || s.indexOf('\\') >= 0;

const quoted = (v: PgArrayElement): string => {
  if (v === null || v === undefined) return 'NULL';
  const s = typeof v === 'string' ? v : v.toString();
  return `"${needsEscape(s) ? s.replace(ESCAPED_ALL, '\\$&') : s}"`;
};

export function pgArray(values: readonly PgArrayElement[]): string {
  if (values.length === 0) return '{}';
  for (const v of values)
    if (v === null || v === undefined || (typeof v === 'string' && needsEscape(v))) return `{${values.map(quoted).join(',')}}`;
  // The common case: nothing to escape, no NULL: one join.
  return `{"${values.join('","')}"}`;
}
