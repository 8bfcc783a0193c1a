/**
 * How the invoicing process ends (libs/runtime runMain/onStopSignals): a taken HTTP port exits 1
 * with one JSON line naming EADDRINUSE and the port (no coloured Nest text), a bad configuration
 * exits 2 naming the variable, SIGTERM exits 0.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { requireEnv } from '@app/devstack';
import { startInvoicingProcess } from './invoicing-process';

jest.setTimeout(120_000);

const REPO_ROOT = join(__dirname, '..', '..', '..');
const CHILD_START_TIMEOUT_MS = 90_000;

/** The api role alone: no sink, so no stream or ClickHouse is needed to start. */
function apiEnv(overrides: Record<string, string>): Record<string, string> {
  return {
    NATS_URL: requireEnv('NATS_URL'),
    CLICKHOUSE_URL: 'http://127.0.0.1:9',
    RATEL_INVOICING_ROLES: 'api',
    INVOICING_HTTP_HOST: '127.0.0.1',
    INVOICING_HTTP_PORT: '0',
    RATEL_API_KEYS: 'exit-e2e-key',
    RATEL_LOG_LEVEL: 'info',
    ...overrides,
  };
}

/** Runs main.ts to its end; its exit code and stderr. */
function runToExit(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/invoicing/src/main.ts'],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stderr, stdout })));
}

/** The JSON lines of an output (anything else is a finding in itself: see the tests). */
function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('invoicing process: exit codes', () => {
  let blocker: Server;
  let takenPort: number;

  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    takenPort = (blocker.address() as AddressInfo).port;
  });

  afterAll(() => new Promise<void>((r) => blocker.close(() => r())));

  it('exits 1 with one JSON line naming EADDRINUSE and the port when the HTTP port is taken', async () => {
    const r = await runToExit(apiEnv({ INVOICING_HTTP_PORT: String(takenPort) }));
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('\u001b['); // no coloured Nest text
    const lines = jsonLines(r.stderr); // every stderr line is JSON
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 60, err: { code: 'EADDRINUSE', port: takenPort } });
    expect(String(lines[0].msg)).toContain(String(takenPort));
    expect(() => jsonLines(r.stdout)).not.toThrow();
  });

  it('exits 2 naming the variable on a bad configuration', async () => {
    const r = await runToExit(apiEnv({ INVOICING_HTTP_PORT: 'not-a-port' }));
    expect(r.code).toBe(2);
    const lines = jsonLines(r.stderr);
    expect(lines).toHaveLength(1);
    expect(String(lines[0].msg)).toContain('INVOICING_HTTP_PORT');
  });

  it('exits 0 on SIGTERM', async () => {
    const proc = await startInvoicingProcess({
      env: apiEnv({}),
      ready: (out) => out.includes('invoicing http api listening'),
      startTimeoutMs: CHILD_START_TIMEOUT_MS,
    });
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  });
});
