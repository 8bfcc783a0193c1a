/**
 * Local servers for tests and for `npm start`: Redis, NATS with JetStream and PostgreSQL, each on a
 * free loopback port in a directory of its own. Only processes started here are ever stopped, by
 * their PID. Nothing here talks to a server that happens to run on the machine.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, openSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createServer, Socket } from 'node:net';
import { join } from 'node:path';
import { dyingWithParent } from './launched-process';

/** How long a server may take to accept connections before start-up fails. */
export const SERVER_START_TIMEOUT_MS = 30_000;
/** How long a stopping server gets after SIGTERM before it is SIGKILLed. */
export const SERVER_STOP_TIMEOUT_MS = 10_000;

export interface StartedServer {
  name: string;
  url: string;
  pid: number;
  dir: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') return reject(new Error('no port'));
      srv.close(() => resolve(addr.port));
    });
  });
}

export async function waitForPort(port: number, timeoutMs = SERVER_START_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => {
        s.destroy();
        resolve(false);
      });
      s.connect(port, '127.0.0.1');
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`port ${port} did not open within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function which(bin: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

function requireBin(bin: string, debianPackage: string): string {
  const found = which(bin) ?? ['/usr/sbin', '/usr/bin', '/usr/local/bin'].map((d) => join(d, bin)).find(existsSync);
  if (!found) {
    throw new Error(
      `${bin} not found: install the Debian package ${debianPackage} (apt-get install ${debianPackage}) or set the matching *_URL variable`,
    );
  }
  return found;
}

/**
 * For a launcher that must leave nothing behind (`npm start`): `onSpawn` hears each server's PID as
 * soon as it exists (to record it), and `dieWithParent` has the kernel stop the server when the
 * launcher dies, even by SIGKILL (see launched-process.ts).
 */
export interface SpawnHooks {
  onSpawn?: (pid: number, stopSignal: NodeJS.Signals, name: string) => void;
  dieWithParent?: boolean;
}

/** The signal that stops each server cleanly: PostgreSQL's SIGINT is its fast shutdown (SIGTERM waits for clients). */
export const SERVER_STOP_SIGNALS: Record<string, NodeJS.Signals> = { postgres: 'SIGINT' };

/** Spawns a server detached, output to `<dir>/<name>.log`, with the hooks applied. */
export function spawnWithHooks(
  name: string,
  cmd: string,
  args: string[],
  opts: { cwd: string; log: number; uid?: number; gid?: number },
  hooks: SpawnHooks = {},
): ChildProcess {
  const stopSignal = SERVER_STOP_SIGNALS[name] ?? 'SIGTERM';
  const [file, argv] = hooks.dieWithParent ? dyingWithParent(cmd, args, stopSignal) : [cmd, args];
  const child = spawn(file, argv, { cwd: opts.cwd, stdio: ['ignore', opts.log, opts.log], detached: true, uid: opts.uid, gid: opts.gid });
  child.unref();
  if (child.pid !== undefined) hooks.onSpawn?.(child.pid, stopSignal, name);
  return child;
}

function spawnServer(name: string, cmd: string, args: string[], dir: string, hooks?: SpawnHooks, uid?: number, gid?: number): ChildProcess {
  const log = openSync(join(dir, `${name}.log`), 'a');
  return spawnWithHooks(name, cmd, args, { cwd: dir, log, uid, gid }, hooks);
}

function stopper(name: string, child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.pid === undefined) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), SERVER_STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(t);
  };
}

export interface RedisOptions extends SpawnHooks {
  dir: string;
  persist: boolean;
  port?: number;
}

export async function startRedis(opts: RedisOptions): Promise<StartedServer> {
  const bin = requireBin('redis-server', 'redis-server');
  const port = opts.port ?? (await freePort());
  mkdirSync(opts.dir, { recursive: true });
  const persistArgs = opts.persist
    ? ['--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '']
    : ['--appendonly', 'no', '--save', ''];
  const child = spawnServer(
    'redis',
    bin,
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', opts.dir, ...persistArgs],
    opts.dir,
    opts,
  );
  await waitForPort(port);
  return { name: 'redis', url: `redis://127.0.0.1:${port}`, pid: child.pid!, dir: opts.dir, stop: stopper('redis', child) };
}

export interface RedisClusterOptions {
  dir: string;
  masters: number;
}

/** A Redis Cluster of masters only (no replicas), ready (cluster_state:ok on every node). */
export interface StartedRedisCluster extends StartedServer {
  /** Seed URLs, one per node (`url` is the first). */
  urls: string[];
  pids: number[];
}

/** Redis Cluster needs at least three masters to form. */
export const REDIS_CLUSTER_MASTERS_MIN = 3;
/** How long a test cluster's node may be unreachable before the others mark it failing. */
const REDIS_CLUSTER_NODE_TIMEOUT_MS = 5_000;

/**
 * `masters` redis-servers with cluster-enabled (client and bus ports free, no persistence), the
 * 16384 slots split between them by `redis-cli --cluster create`. For the specs that check that
 * the engine, relay and rebuild run on Redis Cluster.
 */
export async function startRedisCluster(opts: RedisClusterOptions): Promise<StartedRedisCluster> {
  if (opts.masters < REDIS_CLUSTER_MASTERS_MIN) throw new Error(`a Redis Cluster needs at least ${REDIS_CLUSTER_MASTERS_MIN} masters`);
  const bin = requireBin('redis-server', 'redis-server');
  const cli = requireBin('redis-cli', 'redis-tools');
  const nodes: { port: number; child: ChildProcess }[] = [];
  const stopAll = async () => {
    await Promise.all(nodes.map((n) => stopper('redis', n.child)()));
  };
  try {
    for (let i = 0; i < opts.masters; i++) {
      const [port, busPort] = [await freePort(), await freePort()];
      const dir = join(opts.dir, `node-${i}`);
      mkdirSync(dir, { recursive: true });
      const child = spawnServer(
        'redis',
        bin,
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          dir,
          '--appendonly',
          'no',
          '--save',
          '',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, 'nodes.conf'),
          '--cluster-port',
          String(busPort),
          '--cluster-node-timeout',
          String(REDIS_CLUSTER_NODE_TIMEOUT_MS),
        ],
        dir,
      );
      nodes.push({ port, child });
      await waitForPort(port);
    }
    execFileSync(cli, ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'], {
      stdio: 'ignore',
      timeout: SERVER_START_TIMEOUT_MS,
    });
    const deadline = Date.now() + SERVER_START_TIMEOUT_MS;
    for (const n of nodes) {
      while (!/cluster_state:ok/.test(execFileSync(cli, ['-p', String(n.port), 'cluster', 'info'], { encoding: 'utf8' }))) {
        if (Date.now() > deadline) throw new Error(`redis cluster node ${n.port} not ready within ${SERVER_START_TIMEOUT_MS} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (err) {
    await stopAll();
    throw err;
  }
  const urls = nodes.map((n) => `redis://127.0.0.1:${n.port}`);
  return {
    name: 'redis-cluster',
    url: urls[0],
    urls,
    pid: nodes[0].child.pid!,
    pids: nodes.map((n) => n.child.pid!),
    dir: opts.dir,
    stop: stopAll,
  };
}

export interface NatsOptions extends SpawnHooks {
  dir: string;
  port?: number;
}

export async function startNats(opts: NatsOptions): Promise<StartedServer> {
  const bin = requireBin('nats-server', 'nats-server');
  const port = opts.port ?? (await freePort());
  mkdirSync(opts.dir, { recursive: true });
  const child = spawnServer('nats', bin, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', join(opts.dir, 'js')], opts.dir, opts);
  await waitForPort(port);
  return { name: 'nats', url: `nats://127.0.0.1:${port}`, pid: child.pid!, dir: opts.dir, stop: stopper('nats', child) };
}

function postgresBinDir(): string {
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (existsSync(join(base, v, 'bin', 'postgres'))) return join(base, v, 'bin');
  }
  const initdb = which('initdb');
  if (initdb) return initdb.replace(/\/initdb$/, '');
  throw new Error(
    'PostgreSQL server binaries not found: install the Debian package postgresql (apt-get install postgresql) or set DATABASE_URL',
  );
}

export interface PostgresOptions extends SpawnHooks {
  dir: string;
  port?: number;
  durable: boolean;
  database?: string;
  /** Server settings given as `-c name=value` (a bench sizing the server as an operator would: shared_buffers, max_wal_size). */
  settings?: Readonly<Record<string, string>>;
}

/** A setting's name and value as `-c` takes them (no spaces or quotes: they are not a shell's words, but are kept plain). */
const PG_SETTING_NAME = /^[a-z_][a-z0-9_.]{0,62}$/;
const PG_SETTING_VALUE = /^[A-Za-z0-9_.:-]{1,64}$/;

/** PostgreSQL refuses to run as root: as root, the cluster is owned by and run as the `postgres` user. */
export async function startPostgres(opts: PostgresOptions): Promise<StartedServer> {
  const bin = postgresBinDir();
  const port = opts.port ?? (await freePort());
  const database = opts.database ?? 'ratel';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(database)) throw new Error(`invalid database name: ${database}`);
  mkdirSync(opts.dir, { recursive: true });
  let uid: number | undefined;
  let gid: number | undefined;
  if (isRoot()) {
    uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(opts.dir, uid, gid);
    // The postgres user must be able to reach its directory (mkdtemp makes 0700 parents).
    chmodSync(dirname(opts.dir), 0o755);
  }
  const data = join(opts.dir, 'data');
  if (!existsSync(join(data, 'PG_VERSION'))) {
    execFileSync(
      join(bin, 'initdb'),
      ['-D', data, '-A', 'trust', '-U', 'ratel', '-E', 'UTF8', '--no-locale', ...(opts.durable ? [] : ['--no-sync'])],
      {
        stdio: 'pipe',
        uid,
        gid,
        cwd: opts.dir,
      },
    );
  }
  const tuning = opts.durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'];
  for (const [name, value] of Object.entries(opts.settings ?? {})) {
    if (!PG_SETTING_NAME.test(name) || !PG_SETTING_VALUE.test(value)) throw new Error(`invalid PostgreSQL setting ${name}=${value}`);
    tuning.push('-c', `${name}=${value}`);
  }
  const child = spawnServer(
    'postgres',
    join(bin, 'postgres'),
    ['-D', data, '-p', String(port), '-k', opts.dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', ...tuning],
    opts.dir,
    opts,
    uid,
    gid,
  );
  await waitForPort(port);
  // The server accepts TCP before it accepts logins; retry until the database exists.
  const deadline = Date.now() + SERVER_START_TIMEOUT_MS;
  for (;;) {
    try {
      const psql = (sql: string, flags: string[] = []) =>
        execFileSync(join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'ratel', '-d', 'postgres', ...flags, '-c', sql], {
          stdio: 'pipe',
        })
          .toString()
          .trim();
      if (psql(`SELECT 1 FROM pg_database WHERE datname='${database}'`, ['-tA']) !== '1') psql(`CREATE DATABASE ${database}`);
      break;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    name: 'postgres',
    url: `postgres://ratel@127.0.0.1:${port}/${database}`,
    pid: child.pid!,
    dir: opts.dir,
    stop: stopper('postgres', child),
  };
}

export function writeState(file: string, state: unknown): void {
  writeFileSync(file, JSON.stringify(state, null, 2));
}
