/**
 * Starts the servers the test suite needs, each in a temporary directory on a free port, unless
 * REDIS_URL, NATS_URL, DATABASE_URL or CLICKHOUSE_URL already point to one. URLs reach the test workers through
 * process.env; the PIDs are kept for the teardown, which stops only what was started here.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startClickhouse } from './clickhouse';
import { startNats, startPostgres, startRedis, StartedServer } from './servers';

declare global {
  // `var` is the one way to declare a global that globalSetup hands to globalTeardown.
  var __RATEL_SERVERS__: StartedServer[] | undefined;
}

export default async function globalSetup(): Promise<void> {
  // Both server projects (integration, e2e) name this setup; Jest runs it once per project, in one
  // process, so the second call finds the servers of the first.
  if (globalThis.__RATEL_SERVERS__) return;
  const root = mkdtempSync(join(tmpdir(), 'ratel-test-'));
  const started: StartedServer[] = [];
  const tasks: Promise<void>[] = [];
  if (!process.env.REDIS_URL) {
    tasks.push(
      startRedis({ dir: join(root, 'redis'), persist: false }).then((s) => {
        started.push(s);
        process.env.REDIS_URL = s.url;
      }),
    );
  }
  if (!process.env.NATS_URL) {
    tasks.push(
      startNats({ dir: join(root, 'nats') }).then((s) => {
        started.push(s);
        process.env.NATS_URL = s.url;
      }),
    );
  }
  if (!process.env.DATABASE_URL) {
    tasks.push(
      startPostgres({ dir: join(root, 'pg'), durable: false }).then((s) => {
        started.push(s);
        process.env.DATABASE_URL = s.url;
      }),
    );
  }
  if (!process.env.CLICKHOUSE_URL) {
    tasks.push(
      startClickhouse({ dir: join(root, 'clickhouse') }).then((s) => {
        started.push(s);
        process.env.CLICKHOUSE_URL = s.url;
      }),
    );
  }
  const results = await Promise.allSettled(tasks);
  globalThis.__RATEL_SERVERS__ = started;
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(started.map((s) => s.stop()));
    throw failed.reason;
  }
  process.env.RATEL_TEST_ROOT = root;
}
