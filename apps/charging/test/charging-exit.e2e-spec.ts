/**
 * How the charging process (main.ts) ends on a start-up failure: the HTTP port taken exits 1 with
 * one JSON line naming EADDRINUSE and the port (no coloured Nest text); a bad configuration exits 2.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { requireEnv } from '@app/devstack';
import { systemEnv } from './system.helpers';

jest.setTimeout(120_000);

const REPO_ROOT = join(__dirname, '..', '..', '..');

function runToExit(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/charging/src/main.ts'],
    { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stderr, stdout })));
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('charging process: exit codes', () => {
  let blocker: Server;
  let takenPort: number;

  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    takenPort = (blocker.address() as AddressInfo).port;
  });

  afterAll(() => new Promise<void>((r) => blocker.close(() => r())));

  it('exits 1 with one JSON line naming EADDRINUSE and the port when RATEL_HTTP_PORT is taken', async () => {
    const sys = await systemEnv(requireEnv('NATS_URL'));
    const r = await runToExit({ ...sys.env, RATEL_HTTP_PORT: String(takenPort) });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('\u001b[');
    const lines = jsonLines(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 60, err: { code: 'EADDRINUSE', port: takenPort } });
    expect(String(lines[0].msg)).toContain(String(takenPort));
    expect(() => jsonLines(r.stdout)).not.toThrow();
  });

  it('exits 2 naming the variable on a bad configuration', async () => {
    const sys = await systemEnv(requireEnv('NATS_URL'));
    const r = await runToExit({ ...sys.env, RATEL_HTTP_PORT: 'not-a-port' });
    expect(r.code).toBe(2);
    expect(String(jsonLines(r.stderr)[0].msg)).toContain('RATEL_HTTP_PORT');
  });
});
