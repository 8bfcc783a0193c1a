/**
 * Child processes of a launcher (`npm start`): spawned so that they die with it where Linux allows
 * (util-linux `setpriv --pdeathsig`: the kernel signals the child when its parent dies, even by
 * SIGKILL), in a process group of their own (a terminal's Ctrl-C reaches the launcher, which stops
 * them in order), and ready only once every readiness check passes on a port the child itself listens on.
 */
import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { credentials, Client, makeClientConstructor, ServiceDefinition, ServiceError } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';

/** How long one readiness probe may take. */
export const READINESS_PROBE_TIMEOUT_MS = 1_000;
/** Pause between two rounds of readiness probes. */
const READINESS_POLL_MS = 200;

const SETPRIV_PATHS = ['/usr/bin/setpriv', '/bin/setpriv'];

/**
 * `cmd args` wrapped so that the process gets `signal` when its parent dies; unchanged where
 * setpriv is missing (a later start then cleans up from the process record).
 */
export function dyingWithParent(cmd: string, args: string[], signal: NodeJS.Signals): [string, string[]] {
  const setpriv = SETPRIV_PATHS.find(existsSync);
  if (setpriv === undefined) return [cmd, args];
  return [setpriv, ['--pdeathsig', signal.replace(/^SIG/, ''), '--', cmd, ...args]];
}

/** Spawns `cmd` detached (own process group), dying with this process; `onSpawn` hears its PID at once. */
export function spawnTied(cmd: string, args: string[], options: SpawnOptions & { dieSignal?: NodeJS.Signals }): ChildProcess {
  const [file, argv] = dyingWithParent(cmd, args, options.dieSignal ?? 'SIGTERM');
  return spawn(file, argv, { ...options, detached: true });
}

/** Inodes of the TCP sockets listening on `port` (IPv4 and IPv6), from /proc/net/tcp*. */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // f[1] local address:port, f[3] state (0A = LISTEN), f[9] inode
      if (f.length > 9 && f[3] === '0A' && f[1].endsWith(`:${hexPort}`)) inodes.add(f[9]);
    }
  }
  return inodes;
}

/**
 * Whether `pid` holds a socket listening on `port`: an answer on the port may come from another
 * program that had it first. True where /proc cannot tell (not Linux).
 */
export function listensOn(pid: number, port: number): boolean {
  if (!existsSync('/proc/net/tcp')) return true;
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return false;
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      let target = '';
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m && inodes.has(m[1])) return true;
    }
  } catch {
    return false;
  }
  return false;
}

/** A check that tells a process is ready: an HTTP GET answering 2xx, or the standard gRPC health service SERVING. */
export type ReadinessCheck = { kind: 'http'; port: number; path: string } | { kind: 'grpc-health'; port: number };

export function describeCheck(c: ReadinessCheck): string {
  return c.kind === 'http' ? `GET http://127.0.0.1:${c.port}${c.path}` : `gRPC health 127.0.0.1:${c.port}`;
}

async function httpReady(port: number, path: string): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(READINESS_PROBE_TIMEOUT_MS) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

type HealthClient = Client & {
  check(req: { service: string }, opts: { deadline: number }, cb: (e: ServiceError | null, r: { status: string }) => void): void;
};

async function grpcServing(port: number): Promise<boolean> {
  const Health = makeClientConstructor(healthService as unknown as ServiceDefinition, 'grpc.health.v1.Health');
  const client = new Health(`127.0.0.1:${port}`, credentials.createInsecure()) as unknown as HealthClient;
  try {
    return await new Promise<boolean>((resolve) =>
      client.check({ service: '' }, { deadline: Date.now() + READINESS_PROBE_TIMEOUT_MS }, (err, res) =>
        resolve(err === null && res.status === 'SERVING'),
      ),
    );
  } finally {
    client.close();
  }
}

/** One probe: the check answers and the socket behind the port is `pid`'s. */
export async function probe(check: ReadinessCheck, pid: number): Promise<boolean> {
  const answered = check.kind === 'http' ? await httpReady(check.port, check.path) : await grpcServing(check.port);
  return answered && listensOn(pid, check.port);
}

/** Why a launched process did not become ready. */
export class NotReadyError extends Error {}

/**
 * Waits until every check passes for `child`. Fails when the child exits first (naming its exit
 * code or signal), when `timeoutMs` passes, or when `cancelled()` turns true (a stop was asked for).
 */
export async function waitUntilReady(
  name: string,
  child: ChildProcess,
  checks: ReadinessCheck[],
  timeoutMs: number,
  cancelled: () => boolean,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(checks);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new NotReadyError(`${name} exited (${child.exitCode ?? child.signalCode}) before it was ready`);
    }
    if (cancelled()) throw new NotReadyError(`${name}: start cancelled`);
    for (const c of [...pending]) if (await probe(c, child.pid!)) pending.delete(c);
    if (pending.size === 0 && child.exitCode === null && child.signalCode === null) return;
    if (Date.now() > deadline) {
      throw new NotReadyError(`${name} not ready within ${timeoutMs} ms: no answer from ${[...pending].map(describeCheck).join(', ')}`);
    }
    await new Promise((r) => setTimeout(r, READINESS_POLL_MS));
  }
}
