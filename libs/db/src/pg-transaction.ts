/**
 * One transaction on a pg Pool for the SQL-only stores (the invoice run, billing documents,
 * deliveries): `work` runs between BEGIN and COMMIT on one client; any error rolls back and is
 * rethrown; the client always goes back to the pool.
 */
import type { Pool, PoolClient } from 'pg';

export async function withTransaction<T>(pool: Pool, work: (c: PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query('begin');
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
