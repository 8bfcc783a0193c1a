/**
 * One transaction on a pg Pool for the SQL-only stores (the invoice run, billing documents,
 * deliveries): `work` runs between BEGIN and COMMIT on one client; any error rolls back and is
 * rethrown; the client always goes back to the pool.
 */
import type { Pool, PoolClient } from 'pg';

/**
 * `setLocal` for a transaction whose statements all read and write rows by key (a page of accounts, a
 * batch of payments): index lookups only, whatever the statistics say (no sequential scans, no hash or
 * merge joins, no parallel workers), and no JIT. Statistics lag behind a table that grew since they were
 * taken (the rows a first run writes, a freshly loaded base): without this, a page's keyed read became a
 * sequential scan of the whole table, or was costed high enough to be JIT-compiled (170 ms of a 200 ms
 * query).
 */
export const INDEX_LOOKUPS_ONLY =
  'set local enable_seqscan = off; set local enable_hashjoin = off; set local enable_mergejoin = off; set local max_parallel_workers_per_gather = 0; set local jit = off';

export interface TransactionOptions {
  /** BEGIN READ ONLY. */
  readOnly?: boolean;
  /** Statements run first in the transaction (`set local ...`: planner settings of this transaction only). */
  setLocal?: string;
}

export async function withTransaction<T>(pool: Pool, work: (c: PoolClient) => Promise<T>, o: TransactionOptions = {}): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query(o.readOnly === true ? 'begin read only' : 'begin');
    if (o.setLocal !== undefined) await c.query(o.setLocal);
    const out = await work(c);
    await c.query('commit');
    return out;
  } catch (err) {
    await c.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}
