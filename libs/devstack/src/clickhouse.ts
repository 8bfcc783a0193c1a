/**
 * A throwaway ClickHouse server for tests and for `npm start`, like the servers in servers.ts: its
 * own directory, free loopback ports, a generated minimal config, stopped only by its own PID.
 *
 * Written against Debian's clickhouse-server 18.16 (the packaged one), whose config root is
 * `<yandex>`; current servers still accept that root, so the same file works on both. ClickHouse
 * runs as root without complaint, so there is no user switch as for PostgreSQL.
 */
import { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, SERVER_START_TIMEOUT_MS, SERVER_STOP_TIMEOUT_MS, SpawnHooks, spawnWithHooks } from './servers';

/** Mark cache of a test server: the packaged default (5 GiB) is meant for a dedicated machine. */
export const CLICKHOUSE_MARK_CACHE_BYTES = 64 * 1024 * 1024;
/** Per-query memory cap of a test server. */
export const CLICKHOUSE_QUERY_MEMORY_BYTES = 1024 * 1024 * 1024;
/** How often `/ping` is polled while the server starts. */
const PING_INTERVAL_MS = 100;
/** Timeout of one `/ping` request. */
const PING_TIMEOUT_MS = 1_000;

const CLICKHOUSE_BINARIES = ['/usr/sbin/clickhouse-server', '/usr/bin/clickhouse-server', '/usr/local/bin/clickhouse-server'];

export interface ClickhouseOptions extends SpawnHooks {
  dir: string;
  /** HTTP port; a free one when absent. Pass the port of a stopped server to restart it on its data. */
  port?: number;
}

export interface StartedClickhouse {
  name: 'clickhouse';
  url: string;
  pid: number;
  dir: string;
  port: number;
  stop(): Promise<void>;
}

function clickhouseBinary(): string {
  const found = CLICKHOUSE_BINARIES.find(existsSync);
  if (!found) {
    throw new Error(
      'clickhouse-server not found: install the Debian package clickhouse-server (apt-get install clickhouse-server) or set CLICKHOUSE_URL',
    );
  }
  return found;
}

/** The whole server config: ports, paths under `dir`, one password-less user reachable from 127.0.0.1 only. */
export function clickhouseConfigXml(dir: string, httpPort: number, tcpPort: number): string {
  const p = (sub: string) => `${join(dir, sub)}/`;
  return `<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>${join(dir, 'log', 'clickhouse-server.log')}</log>
    <errorlog>${join(dir, 'log', 'clickhouse-server.err.log')}</errorlog>
    <size>10M</size>
    <count>1</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <max_connections>256</max_connections>
  <max_concurrent_queries>64</max_concurrent_queries>
  <keep_alive_timeout>1</keep_alive_timeout>
  <shutdown_wait_unfinished>1</shutdown_wait_unfinished>
  <mark_cache_size>${CLICKHOUSE_MARK_CACHE_BYTES}</mark_cache_size>
  <uncompressed_cache_size>0</uncompressed_cache_size>
  <path>${p('data')}</path>
  <tmp_path>${p('tmp')}</tmp_path>
  <user_files_path>${p('user_files')}</user_files_path>
  <format_schema_path>${p('format_schemas')}</format_schema_path>
  <timezone>UTC</timezone>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <profiles>
    <default><max_memory_usage>${CLICKHOUSE_QUERY_MEMORY_BYTES}</max_memory_usage></default>
  </profiles>
  <quotas>
    <default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default>
  </quotas>
</yandex>
`;
}

async function pingOnce(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(PING_TIMEOUT_MS) });
    return res.ok && (await res.text()).trim() === 'Ok.';
  } catch {
    return false;
  }
}

async function waitForPing(url: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + SERVER_START_TIMEOUT_MS;
  for (;;) {
    if (await pingOnce(url)) return;
    if (child.exitCode !== null) throw new Error(`clickhouse-server exited with ${child.exitCode} at start; see ${logFile}`);
    if (Date.now() > deadline)
      throw new Error(`clickhouse-server did not answer ${url}/ping within ${SERVER_START_TIMEOUT_MS} ms; see ${logFile}`);
    await new Promise((r) => setTimeout(r, PING_INTERVAL_MS));
  }
}

function stopByPid(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const t = setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }, SERVER_STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(t);
  };
}

/** Starts clickhouse-server on `dir` (created if needed; existing data is kept) and waits for `/ping`. */
export async function startClickhouse(opts: ClickhouseOptions): Promise<StartedClickhouse> {
  const bin = clickhouseBinary();
  const port = opts.port ?? (await freePort());
  const tcpPort = await freePort();
  for (const sub of ['data', 'tmp', 'user_files', 'format_schemas', 'log']) mkdirSync(join(opts.dir, sub), { recursive: true });
  const configFile = join(opts.dir, 'config.xml');
  writeFileSync(configFile, clickhouseConfigXml(opts.dir, port, tcpPort));
  const logFile = join(opts.dir, 'log', 'clickhouse-server.out.log');
  const log = openSync(logFile, 'a');
  const child = spawnWithHooks('clickhouse', bin, [`--config-file=${configFile}`], { cwd: opts.dir, log }, opts);
  closeSync(log); // the child holds its own copy of the descriptor
  const url = `http://127.0.0.1:${port}`;
  const stop = stopByPid(child);
  try {
    await waitForPing(url, child, logFile);
  } catch (err) {
    await stop();
    throw err;
  }
  return { name: 'clickhouse', url, pid: child.pid!, dir: opts.dir, port, stop };
}

export interface TestClickhouse {
  url: string;
  /** Stops the server if this call started it; a no-op for CLICKHOUSE_URL. */
  stop(): Promise<void>;
}

/**
 * ClickHouse for an integration spec: CLICKHOUSE_URL when set (jest globalSetup or the
 * environment), otherwise a server of its own in a temporary directory. Call `stop()` in afterAll.
 * Each spec keeps to a database of its own (`uniqueId()`), so one server serves them all.
 */
export async function ensureClickhouse(): Promise<TestClickhouse> {
  const existing = process.env.CLICKHOUSE_URL;
  if (existing) return { url: existing, stop: async () => undefined };
  const dir = mkdtempSync(join(process.env.RATEL_TEST_ROOT ?? tmpdir(), 'clickhouse-'));
  const server = await startClickhouse({ dir });
  return {
    url: server.url,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
