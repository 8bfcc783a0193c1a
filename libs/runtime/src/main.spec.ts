import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

const REPO_ROOT = join(__dirname, '..', '..', '..');
const CHILD = join(__dirname, 'test-fixtures', 'run-main-child.ts');

/** Runs the child script to its end (ts-node, transpile only). */
function run(...args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', CHILD, ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stderr })));
}

function oneJsonLine(stderr: string): Record<string, unknown> {
  const lines = stderr.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]) as Record<string, unknown>;
}

describe('runMain', () => {
  jest.setTimeout(60_000);

  it('exits 0 when main resolves, writing nothing', async () => {
    expect(await run('ok')).toEqual({ code: 0, stderr: '' });
  });

  it('exits 2 on a ConfigError, naming the variable in one JSON line', async () => {
    const r = await run('config');
    expect(r.code).toBe(2);
    const line = oneJsonLine(r.stderr);
    expect(line).toMatchObject({ level: 60, name: 'spec-child', app: 'spec-child', err: { type: 'ConfigError' } });
    expect(String(line.msg)).toContain('SPEC_PORT');
  });

  it('exits 1 on any other error, with one JSON line', async () => {
    const r = await run('fail');
    expect(r.code).toBe(1);
    expect(oneJsonLine(r.stderr)).toMatchObject({ level: 60, msg: 'fatal: boom', err: { type: 'Error', message: 'boom' } });
  });

  it('exits 1 naming EADDRINUSE and the port when a port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const r = await run('port', String(port));
      expect(r.code).toBe(1);
      const line = oneJsonLine(r.stderr);
      expect(line).toMatchObject({ err: { code: 'EADDRINUSE', port } });
      expect(typeof line.time).toBe('number');
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });
});
