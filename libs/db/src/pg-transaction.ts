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

/**
 * A transaction left open on a client of its own, for work that spans calls (a batch prepared now and
 * committed later): `commit` or `rollback` ends it, once, and gives the client back to the pool; a second
 * end is a no-op. `open` is false once it ended (a failed COMMIT ends it too).
 */
export interface OpenTransaction {
  readonly client: PoolClient;
  readonly open: boolean;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

export async function beginTransaction(pool: Pool, o: TransactionOptions = {}): Promise<OpenTransaction> {
  const client = await pool.connect();
  let open = true;
  const end = async (sql: 'commit' | 'rollback') => {
    if (!open) return;
    open = false;
    try {
      await client.query(sql);
    } finally {
      client.release();
    }
  };
  const t: OpenTransaction = {
    client,
    get open() {
      return open;
    },
    commit: () => end('commit'),
    rollback: () => end('rollback'),
  };
  try {
    // One round trip: BEGIN and the settings as one simple query (a batch of a statement import opens hundreds of transactions).
    const begin = o.readOnly === true ? 'begin read only' : 'begin';
    await client.query(o.setLocal === undefined ? begin : `${begin}; ${o.setLocal}`);
    return t;
  } catch (err) {
    await t.rollback().catch(() => undefined);
    throw err;
  }
}

export async function withTransaction<T>(pool: Pool, work: (c: PoolClient) => Promise<T>, o: TransactionOptions = {}): Promise<T> {
  const t = await beginTransaction(pool, o);
  try {
    const out = await work(t.client);
    await t.commit();
    return out;
  } catch (err) {
    await t.rollback().catch(() => undefined);
    throw err;
  }
}
