/**
 * Helpers of the `npm start` specs: `npm start` itself as a child (through npm, as a user runs it)
 * with its data under a temporary RATEL_HOME, the process tree it grew, dummy listeners that hold
 * ports the way another program would.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { resolve } from 'node:path';
import { isRunning, processIdentity, ProcessIdentity, waitFor } from '@app/devstack';

export const REPO_ROOT = resolve(__dirname, '../../..');
/** Start-up of the whole stack on a loaded 2-core machine: servers, migrations, seed, two ts-node processes. */
export const STACK_START_TIMEOUT_MS = 240_000;
/** Stop of the whole stack (processes, then servers; bounded by the launcher's SIGKILL deadlines). */
export const STACK_STOP_TIMEOUT_MS = 60_000;

/** Variables that would make npm start use the test suite's servers or forced ports. */
const INHERITED_OUT = [
  'REDIS_URL',
  'NATS_URL',
  'DATABASE_URL',
  'CLICKHOUSE_URL',
  'RATEL_GRPC_PORT',
  'RATEL_HTTP_PORT',
  'INVOICING_HTTP_PORT',
  'RATEL_GRPC_ADDR',
  'RATEL_API_KEYS',
];

export interface NpmStart {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

export function npmStart(home: string, env: Record<string, string> = {}): NpmStart {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of INHERITED_OUT) delete base[name];
  const child = spawn('npm', ['start'], {
    cwd: REPO_ROOT,
    env: { ...base, RATEL_HOME: home, RATEL_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

/** Waits for the banner; fails with the output when npm start exits first. */
export async function waitForBanner(start: NpmStart): Promise<void> {
  const ended = () => start.child.exitCode !== null || start.child.signalCode !== null;
  await waitFor('the npm start banner', () => ended() || start.output().includes('Ratel is up'), STACK_START_TIMEOUT_MS, 200);
  if (!start.output().includes('Ratel is up')) {
    throw new Error(`npm start exited (${start.child.exitCode ?? start.child.signalCode}):\n${start.output()}`);
  }
}

/** `pid` and every process below it (detached children still have their parent), with their identities. */
export function processTree(pid: number): ProcessIdentity[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: ProcessIdentity[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift()!;
    const id = processIdentity(p);
    if (id) out.push(id);
    queue.push(...(children.get(p) ?? []));
  }
  return out;
}

export async function portFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createTcpServer();
    s.once('error', () => res(false));
    s.listen(port, '127.0.0.1', () => s.close(() => res(true)));
  });
}

/** Every process of `tree` gone and every port free. */
export async function waitAllGone(tree: ProcessIdentity[], ports: number[]): Promise<void> {
  await waitFor('every process of the stack to be gone', () => tree.every((p) => !isRunning(p)), STACK_STOP_TIMEOUT_MS, 200);
  for (const port of ports) expect({ port, free: await portFree(port) }).toEqual({ port, free: true });
}

/** Ports named in the endpoints file and the server URLs of the banner. */
export function stackPorts(endpoints: Record<string, unknown>, output: string): number[] {
  const urls = [...Object.values(endpoints).filter((v): v is string => typeof v === 'string'), ...(output.match(/\w+:\/\/[^\s)]+/g) ?? [])];
  const ports = urls.map((u) => /:(\d{2,5})(\/|$)/.exec(u)?.[1]).filter((p): p is string => p !== undefined);
  return [...new Set(ports.map(Number))];
}

/**
 * An HTTP server that answers 200 "another program" to anything on `port`, as a foreign program
 * holding Ratel's default port would. Undefined when the port is already held by something else
 * (then it is taken anyway, which is what the spec needs).
 */
export async function holdPort(port: number): Promise<Server | undefined> {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('another program\n'));
  return new Promise((res, rej) => {
    server.once('error', (e: NodeJS.ErrnoException) => (e.code === 'EADDRINUSE' ? res(undefined) : rej(e)));
    server.listen(port, '127.0.0.1', () => res(server));
  });
}

/** The shell commands of README.md's "Try it" block. */
export function readmeTryIt(): string {
  const readme = readFileSync(resolve(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Try it'));
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README.md: no sh block in "Try it"');
  return block[1];
}
