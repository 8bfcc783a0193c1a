/**
 * One transaction on a pg Pool for the SQL-only stores (the invoice run, billing documents,
 * deliveries): `work` runs between BEGIN and COMMIT on one client; any error rolls back and is
 * rethrown; the client always goes back to the pool.
 */
import type { Pool, PoolClient } from 'pg';

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
