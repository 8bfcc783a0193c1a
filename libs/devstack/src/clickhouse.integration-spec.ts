import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureClickhouse, startClickhouse } from './clickhouse';

async function query(url: string, q: string): Promise<string> {
  const res = await fetch(`${url}/?query=${encodeURIComponent(q)}`, { method: 'POST' });
  return (await res.text()).trim();
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('devstack clickhouse', () => {
  it('starts on a free port, keeps its data across a restart on the same port and dir, and stops by PID', async () => {
    const dir = mkdtempSync(join(process.env.RATEL_TEST_ROOT ?? tmpdir(), 'ch-devstack-'));
    try {
      const first = await startClickhouse({ dir });
      expect(first.url).toBe(`http://127.0.0.1:${first.port}`);
      expect(await (await fetch(`${first.url}/ping`)).text()).toBe('Ok.\n');
      await query(first.url, 'CREATE DATABASE IF NOT EXISTS devstack_probe');
      await first.stop();
      expect(alive(first.pid)).toBe(false);

      const second = await startClickhouse({ dir, port: first.port });
      expect(second.url).toBe(first.url);
      expect(await query(second.url, "SELECT count() FROM system.databases WHERE name = 'devstack_probe'")).toBe('1');
      await second.stop();
      await second.stop(); // idempotent
      expect(alive(second.pid)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('uses CLICKHOUSE_URL when it is set and then stops nothing', async () => {
    const saved = process.env.CLICKHOUSE_URL;
    process.env.CLICKHOUSE_URL = 'http://127.0.0.1:1';
    try {
      const ch = await ensureClickhouse();
      expect(ch.url).toBe('http://127.0.0.1:1');
      await ch.stop();
    } finally {
      if (saved === undefined) delete process.env.CLICKHOUSE_URL;
      else process.env.CLICKHOUSE_URL = saved;
    }
  });
});
