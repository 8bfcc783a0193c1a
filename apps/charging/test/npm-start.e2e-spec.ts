/**
 * `npm start` as a user runs it (through npm), with its data in a temporary RATEL_HOME and on free
 * ports (or ports this spec holds itself): it stops everything it started on SIGTERM to npm, it
 * cleans up after a start killed with SIGKILL, a process that fails to come up stops it, and the
 * README's "Try it" commands and try:charge reach Ratel while the default ports are held by another
 * program. One RATEL_HOME for the file: the databases are created once.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, isRunning, ProcessIdentity, ProcessRecordFile, stopLeftovers, stopProcess, waitFor } from '@app/devstack';
import {
  holdPort,
  npmStart,
  NpmStart,
  processTree,
  readmeTryIt,
  REPO_ROOT,
  stackPorts,
  STACK_START_TIMEOUT_MS,
  STACK_STOP_TIMEOUT_MS,
  waitAllGone,
  waitForBanner,
} from './npm-start.helpers';

const run = promisify(execFile);
/** Whole-stack starts and stops, several per test. */
const TEST_TIMEOUT_MS = 3 * STACK_START_TIMEOUT_MS;
const DEFAULT_PORTS = [50051, 8080, 8081, 8082, 8083, 9468];

describe('npm start', () => {
  const home = join(mkdtempSync(join(tmpdir(), 'ratel-npm-start-')), '.ratel');
  // As root, PostgreSQL runs as the postgres user, which must reach its directory under `home`.
  chmodSync(join(home, '..'), 0o755);
  /** Every process seen in a stack's tree: stopped in afterAll whatever a test left. */
  const seen: ProcessIdentity[] = [];
  const held: Server[] = [];

  const endpoints = () => JSON.parse(readFileSync(join(home, 'endpoints.json'), 'utf8')) as Record<string, unknown>;
  const record = () => JSON.parse(readFileSync(join(home, 'pids.json'), 'utf8')) as ProcessRecordFile;
  const tree = (start: NpmStart) => {
    const t = processTree(start.child.pid!);
    seen.push(...t);
    return t;
  };

  afterAll(async () => {
    for (const s of held) await new Promise((r) => s.close(r));
    await stopLeftovers(join(home, 'pids.json'), 5_000).catch(() => undefined);
    await Promise.all(
      seen
        .filter(isRunning)
        .reverse()
        .map((p) => stopProcess(p, 'SIGKILL', 1_000)),
    );
    rmSync(join(home, '..'), { recursive: true, force: true });
  }, STACK_STOP_TIMEOUT_MS);

  it(
    "with 50051, 8080 and 8081 held by another program, README's try-it commands and try:charge reach Ratel; SIGTERM to npm stops all",
    async () => {
      for (const port of DEFAULT_PORTS) {
        const s = await holdPort(port);
        if (s) held.push(s);
      }
      const start = npmStart(home);
      await waitForBanner(start);
      const ep = endpoints();
      for (const url of [ep.RATEL_GRPC_ADDR, ep.RATEL_HTTP_URL, ep.RATEL_INVOICING_URL]) {
        expect(DEFAULT_PORTS).not.toContain(Number(/:(\d+)$/.exec(String(url))?.[1]));
      }

      // The README's commands as written; only .ratel/ becomes this spec's RATEL_HOME.
      const script = `set -euo pipefail\n${readmeTryIt().replace(/\.ratel\//g, '"$RATEL_HOME"/')}`;
      const env: NodeJS.ProcessEnv = { ...process.env, RATEL_HOME: home };
      delete env.RATEL_GRPC_ADDR;
      const { stdout } = await run('bash', ['-c', script], { cwd: REPO_ROOT, env, timeout: 120_000 });
      expect(stdout).toMatch(/GetBalance: .*"accountId": "demo-prepaid-1"/); // try:charge, over gRPC
      expect(stdout).toMatch(/"accountId":"demo-prepaid-1"/); // the REST balance
      expect(stdout).toMatch(/^ratel_grpc_requests_total\{/m); // /metrics
      expect(stdout).not.toContain('another program');

      const stack = tree(start);
      const ports = stackPorts(ep, start.output());
      expect(stack.length).toBeGreaterThanOrEqual(7); // npm, launcher, charging, invoicing, 4 servers (and their workers)
      start.child.kill('SIGTERM');
      expect(await start.exited).toBe(0);
      await waitAllGone(stack, ports);
      expect(existsSync(join(home, 'endpoints.json'))).toBe(false);
      expect(existsSync(join(home, 'env'))).toBe(false);
      for (const s of held.splice(0)) await new Promise((r) => s.close(r));
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'after SIGKILL of the launcher its children die, and the next start stops what still runs and keeps its ports',
    async () => {
      const ports = { RATEL_GRPC_PORT: await freePort(), RATEL_HTTP_PORT: await freePort(), INVOICING_HTTP_PORT: await freePort() };
      const env = Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)]));
      const first = npmStart(home, env);
      await waitForBanner(first);
      const firstTree = tree(first);
      const rec = record();
      const invoicing = rec.processes.find((p) => p.name === 'invoicing')!;
      expect(invoicing).toBeDefined();
      expect(rec.processes.map((p) => p.name).sort()).toEqual([
        'charging',
        'clickhouse',
        'collections',
        'invoicing',
        'mediation',
        'nats',
        'postgres',
        'redis',
        'renewal',
      ]);
      // A hung invoicing (stopped): the signal the kernel sends it when the launcher dies stays pending.
      process.kill(invoicing.pid, 'SIGSTOP');
      process.kill(rec.launcher!.pid, 'SIGKILL');
      await first.exited;
      await waitFor(
        "the launcher's other children to die with it",
        () => firstTree.filter((p) => p.pid !== invoicing.pid && p.pid !== first.child.pid).every((p) => !isRunning(p)),
        STACK_STOP_TIMEOUT_MS,
        200,
      );
      expect(isRunning(invoicing)).toBe(true);

      const second = npmStart(home, env);
      await waitForBanner(second);
      expect(second.output()).toContain(`stopped invoicing pid ${invoicing.pid}, left running by an earlier start`);
      expect(isRunning(invoicing)).toBe(false);
      expect(endpoints().RATEL_INVOICING_URL).toBe(`http://127.0.0.1:${ports.INVOICING_HTTP_PORT}`);
      const newInvoicing = record().processes.find((p) => p.name === 'invoicing')!;
      const health = await fetch(`http://127.0.0.1:${ports.INVOICING_HTTP_PORT}/healthz`);
      expect(health.status).toBe(200);
      expect(newInvoicing.pid).not.toBe(invoicing.pid);

      const secondTree = tree(second);
      const secondPorts = stackPorts(endpoints(), second.output());
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
      await waitAllGone(secondTree, secondPorts);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a process that cannot come up (its port held by a program that answers) stops npm start with its error',
    async () => {
      const port = await freePort();
      const other = await holdPort(port);
      held.push(other!);
      const start = npmStart(home, { INVOICING_HTTP_PORT: String(port) });
      const trees: ProcessIdentity[] = [];
      const sampler = setInterval(() => trees.push(...tree(start)), 250);
      const code = await Promise.race([
        start.exited,
        new Promise<'running'>((r) => setTimeout(() => r('running'), STACK_START_TIMEOUT_MS).unref()),
      ]);
      clearInterval(sampler);
      expect({ code, banner: start.output().includes('Ratel is up') }).toEqual({ code: 1, banner: false });
      expect(start.output()).toMatch(/start: invoicing exited \(1\) before it was ready; stopping everything/);
      await waitAllGone(trees, []);
      const answer = await fetch(`http://127.0.0.1:${port}/`);
      expect(await answer.text()).toBe('another program\n'); // left alone
    },
    TEST_TIMEOUT_MS,
  );
});
