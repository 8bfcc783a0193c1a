/**
 * A per-statement profile of a benchmark's PostgreSQL work, when the server has pg_stat_statements
 * loaded (`shared_preload_libraries=pg_stat_statements`, `pg_stat_statements.track=all` to see the
 * statements run inside triggers) and the bench points at it through DATABASE_URL. Without the
 * extension both calls do nothing, so a bench can always call them.
 */
import type { Pool } from 'pg';

/** Statements printed at most. */
export const PROFILE_TOP_STATEMENTS = 15;
/** Characters of each statement's text printed. */
const PROFILE_TEXT_CHARS = 160;

async function available(pool: Pool): Promise<boolean> {
  const { rows } = await pool.query<{ ok: boolean }>(
    `select exists (select 1 from pg_extension where extname = 'pg_stat_statements') as ok`,
  );
  return rows[0].ok;
}

/** Forget what was counted so far (the seeding), if the extension is there. */
export async function resetStatementProfile(pool: Pool): Promise<boolean> {
  if (!(await available(pool))) return false;
  await pool.query('select pg_stat_statements_reset()');
  return true;
}

/** The statements that took the most execution time since the reset, one line each. */
export async function printStatementProfile(pool: Pool, log: (line: string) => void = console.log): Promise<void> {
  if (!(await available(pool))) return;
  const { rows } = await pool.query<{ ms: string; calls: string; rows: string; query: string }>(
    `select round(total_exec_time)::text as ms, calls::text, rows::text, regexp_replace(query, '\\s+', ' ', 'g') as query
     from pg_stat_statements order by total_exec_time desc limit $1`,
    [PROFILE_TOP_STATEMENTS],
  );
  log(`pg_stat_statements (top ${PROFILE_TOP_STATEMENTS} by execution time):`);
  for (const r of rows)
    log(`  ${r.ms.padStart(7)} ms ${r.calls.padStart(8)} calls ${r.rows.padStart(9)} rows  ${r.query.slice(0, PROFILE_TEXT_CHARS)}`);
}
