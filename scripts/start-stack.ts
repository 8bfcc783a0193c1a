/**
 * `npm start`: runs the whole local system. Starts Redis (AOF persistence), NATS with JetStream,
 * PostgreSQL and ClickHouse with their data under $RATEL_HOME (default .ratel/; each unless
 * REDIS_URL / NATS_URL / DATABASE_URL / CLICKHOUSE_URL is set), applies migrations, seeds the demo
 * data, starts the processes of PROCESSES below, waits until each answers its readiness check, then
 * prints where they listen and writes it to $RATEL_HOME/endpoints.json and $RATEL_HOME/env.
 *
 * Leaving nothing behind:
 * - every process started here is recorded in $RATEL_HOME/pids.json with its start identity; a start
 *   first stops what a killed start left running (never a process that merely reuses a PID);
 * - children run in process groups of their own and die with this launcher where Linux allows
 *   (setpriv --pdeathsig), even when it is SIGKILLed;
 * - SIGTERM, SIGINT (Ctrl-C), SIGHUP, or the parent (npm) going away stop the processes, then the
 *   servers, and exit 0; a process that fails to come up, or exits later, stops everything, exit 1.
 */
import { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import {
  freePort,
  LauncherRunningError,
  ProcessRecord,
  ReadinessCheck,
  spawnTied,
  startClickhouse,
  startNats,
  startPostgres,
  startRedis,
  stopLeftovers,
  waitUntilReady,
} from '@app/devstack';
import { COLLECTIONS_V8_FLAGS } from '../apps/collections/src/runtime-flags';

const ROOT = resolve(__dirname, '..');
/** Where the local system keeps its data, keys, process record and endpoints (tests point it elsewhere). */
const HOME = resolve(process.env.RATEL_HOME ?? join(ROOT, '.ratel'));
const PIDS_FILE = join(HOME, 'pids.json');
const ENDPOINTS_FILE = join(HOME, 'endpoints.json');
const ENV_FILE = join(HOME, 'env');
const TS_NODE = ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'];
/** How long a process may take to answer its readiness checks (ts-node compiles at start). */
const PROCESS_READY_TIMEOUT_MS = 180_000;
/** How often the launcher looks whether its parent (npm) is still there. */
const PARENT_WATCH_MS = 1_000;

/**
 * One process of the local system. Strings may name `${VAR}`: its ports, RATEL_HOME, and, in
 * `banner`, every endpoint. Adding a process is adding an entry.
 */
interface ProcessSpec {
  name: string;
  /** TypeScript entry point, relative to the repository, run with ts-node. */
  entry: string;
  /** Port variables and the port each prefers; a taken preferred port is replaced by a free one; a port set in the environment is used as is. */
  ports: Record<string, number>;
  env?: Record<string, string>;
  /** V8 flags the process runs with (before ts-node's). */
  v8Flags?: readonly string[];
  /** All must pass, on a port the process itself listens on. */
  ready: ({ kind: 'http'; port: string; path: string } | { kind: 'grpc-health'; port: string })[];
  /** Written to endpoints.json and env (for curl and try:charge). */
  endpoints: Record<string, string>;
  banner: string[];
}

const PROCESSES: ProcessSpec[] = [
  {
    name: 'charging',
    entry: 'apps/charging/src/main.ts',
    ports: { RATEL_GRPC_PORT: 50051, RATEL_HTTP_PORT: 8080 },
    ready: [
      { kind: 'grpc-health', port: 'RATEL_GRPC_PORT' },
      { kind: 'http', port: 'RATEL_HTTP_PORT', path: '/readyz' },
    ],
    endpoints: { RATEL_GRPC_ADDR: '127.0.0.1:${RATEL_GRPC_PORT}', RATEL_HTTP_URL: 'http://127.0.0.1:${RATEL_HTTP_PORT}' },
    banner: [
      'gRPC (charging.v1, plaintext for local use): ${RATEL_GRPC_ADDR}  (health + reflection on)',
      'REST provisioning:  ${RATEL_HTTP_URL}/v1   OpenAPI: ${RATEL_HTTP_URL}/openapi.json  docs: ${RATEL_HTTP_URL}/docs',
      'metrics:            ${RATEL_HTTP_URL}/metrics',
    ],
  },
  {
    name: 'invoicing',
    entry: 'apps/invoicing/src/main.ts',
    ports: { INVOICING_HTTP_PORT: 8081 },
    env: { SINK_METRICS_PORT: '0', INVOICE_DOCUMENTS_DIR: '${RATEL_HOME}/documents' },
    ready: [{ kind: 'http', port: 'INVOICING_HTTP_PORT', path: '/readyz' }],
    endpoints: { RATEL_INVOICING_URL: 'http://127.0.0.1:${INVOICING_HTTP_PORT}' },
    banner: [
      'invoicing:          ${RATEL_INVOICING_URL}/v1/usage, /v1/revenue, /metrics (sink: JetStream -> ClickHouse)',
      'billing:            ${RATEL_INVOICING_URL}/v1/billing/runs, /documents, /review (npm run ratel -- invoice-run --help)',
    ],
  },
  {
    name: 'collections',
    entry: 'apps/collections/src/main.ts',
    ports: { COLLECTIONS_HTTP_PORT: 8083 },
    v8Flags: COLLECTIONS_V8_FLAGS,
    // Dunning bars through the local charging; the direct-debit creditor is a demo one (set DD_CREDITOR_* for real files).
    env: {
      CHARGING_API_URL: 'http://127.0.0.1:${RATEL_HTTP_PORT}',
      CHARGING_API_KEY: '${RATEL_API_KEY}',
      DD_CREDITOR_NAME: 'Ratel Demo',
      DD_CREDITOR_IBAN: 'DE89370400440532013000',
      DD_CREDITOR_ID: 'DE98ZZZ09999999999',
    },
    ready: [{ kind: 'http', port: 'COLLECTIONS_HTTP_PORT', path: '/readyz' }],
    endpoints: { RATEL_COLLECTIONS_URL: 'http://127.0.0.1:${COLLECTIONS_HTTP_PORT}' },
    banner: [
      'collections:        ${RATEL_COLLECTIONS_URL}/v1/collections/statements, /payments, /mandates, /direct-debit, /dunning, /ledger/checks, /erp, /metrics (npm run ratel -- --help)',
    ],
  },
  {
    name: 'renewal',
    entry: 'apps/charging/src/renewal-main.ts',
    ports: { RATEL_RENEWAL_METRICS_PORT: 9468 },
    ready: [{ kind: 'http', port: 'RATEL_RENEWAL_METRICS_PORT', path: '/readyz' }],
    endpoints: { RATEL_RENEWAL_URL: 'http://127.0.0.1:${RATEL_RENEWAL_METRICS_PORT}' },
    banner: ['prepaid renewals:   ${RATEL_RENEWAL_URL}/metrics (npm run ratel -- renewals run-due)'],
  },
  {
    name: 'mediation',
    entry: 'apps/charging/src/mediation-main.ts',
    ports: { RATEL_MEDIATION_HTTP_PORT: 8082 },
    env: { CDR_WATCH_DIR: '${RATEL_HOME}/cdr' },
    ready: [{ kind: 'http', port: 'RATEL_MEDIATION_HTTP_PORT', path: '/readyz' }],
    endpoints: { RATEL_MEDIATION_URL: 'http://127.0.0.1:${RATEL_MEDIATION_HTTP_PORT}' },
    banner: ['CDR mediation:      ${RATEL_MEDIATION_URL}/v1/cdr/files, /metrics (drop folder ${RATEL_HOME}/cdr/{voice,data})'],
  },
];

/** `${VAR}` replaced from `vars`; an unknown name is a mistake in PROCESSES. */
function fill(template: string, vars: Record<string, string>): string {
  return template.replace(/\$\{([A-Z_]+)\}/g, (_m, name: string) => {
    if (vars[name] === undefined) throw new Error(`start: \${${name}} is not defined`);
    return vars[name];
  });
}

const log = (line: string) => process.stdout.write(`start: ${line}\n`);

// ---------------------------------------------------------------------------------------------
// Stop requests: signals and the parent going away. Handled once; repeats (npm forwards the
// terminal's SIGINT that the launcher already got) are ignored.

let stopReason: string | undefined;
let wakeOnStop!: () => void;
const stopRequested = new Promise<void>((r) => (wakeOnStop = r));
const runningClis = new Set<ChildProcess>();

function requestStop(reason: string): void {
  if (stopReason !== undefined) return;
  stopReason = reason;
  log(`${reason}: stopping`);
  for (const cli of runningClis) cli.kill('SIGTERM');
  wakeOnStop();
}

for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => requestStop(sig));
const parentPid = process.ppid;
setInterval(() => process.ppid !== parentPid && requestStop('parent process exited'), PARENT_WATCH_MS).unref();

class StopRequested extends Error {}
function checkStop(): void {
  if (stopReason !== undefined) throw new StopRequested(stopReason);
}

// ---------------------------------------------------------------------------------------------

async function isFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(false));
    s.listen(port, '127.0.0.1', () => s.close(() => res(true)));
  });
}

/** Every port variable of every process: from the environment, else the preferred one if free, else a free one. */
async function choosePorts(): Promise<Record<string, string>> {
  const chosen: Record<string, string> = {};
  const used = new Set<number>();
  for (const spec of PROCESSES) {
    for (const [name, preferred] of Object.entries(spec.ports)) {
      let port = process.env[name] ? Number(process.env[name]) : preferred;
      if (!process.env[name]) while (used.has(port) || !(await isFree(port))) port = await freePort();
      used.add(port);
      chosen[name] = String(port);
    }
  }
  return chosen;
}

/** Roles of the key `npm start` generates (RATEL_API_KEYS syntax). */
const LOCAL_KEY_ROLES = 'read+write+admin+billing+collections';

function apiKey(): string {
  const file = join(HOME, 'api-key');
  if (!existsSync(file)) writeFileSync(file, `${randomBytes(24).toString('hex')}\n`, { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

/** Servers not given by *_URL, started in parallel under HOME; recorded the moment each is spawned. */
async function startServers(record: ProcessRecord): Promise<{ name: string; url: string; pid: number }[]> {
  const hooks = { dieWithParent: true, onSpawn: (pid: number, sig: NodeJS.Signals, name: string) => void record.add(name, pid, sig) };
  const wanted: [string, () => Promise<{ name: string; url: string; pid: number }>][] = [
    ['REDIS_URL', () => startRedis({ dir: join(HOME, 'redis'), persist: true, ...hooks })],
    ['NATS_URL', () => startNats({ dir: join(HOME, 'nats'), ...hooks })],
    ['DATABASE_URL', () => startPostgres({ dir: join(HOME, 'pg'), durable: true, ...hooks })],
    ['CLICKHOUSE_URL', () => startClickhouse({ dir: join(HOME, 'clickhouse'), ...hooks })],
  ];
  const todo = wanted.filter(([envName]) => !process.env[envName]);
  const results = await Promise.allSettled(todo.map(([, start]) => start()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return todo.map(([envName], i) => {
    const server = (results[i] as PromiseFulfilledResult<{ name: string; url: string; pid: number }>).value;
    process.env[envName] = server.url;
    return server;
  });
}

/** Runs a CLI of the repository to its end; a stop request ends it. */
async function runCli(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  checkStop();
  const child = spawnTied(process.execPath, [...TS_NODE, join(ROOT, script), ...args], { cwd: ROOT, env, stdio: 'inherit' });
  runningClis.add(child);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) => child.once('exit', (c, s) => r([c, s])));
  runningClis.delete(child);
  checkStop();
  if (code !== 0) throw new Error(`${script} failed (${code ?? signal})`);
}

interface Launched {
  spec: ProcessSpec;
  child: ChildProcess;
}

/** Spawns each process, then waits until all are ready; the first that fails ends the wait. */
async function launchAll(record: ProcessRecord, env: NodeJS.ProcessEnv, vars: Record<string, string>): Promise<Launched[]> {
  const launched: Launched[] = [];
  for (const spec of PROCESSES) {
    checkStop();
    const own: Record<string, string> = {};
    for (const name of Object.keys(spec.ports)) own[name] = vars[name];
    for (const [name, value] of Object.entries(spec.env ?? {})) own[name] = process.env[name] ?? fill(value, vars);
    const child = spawnTied(process.execPath, [...(spec.v8Flags ?? []), ...TS_NODE, join(ROOT, spec.entry)], {
      cwd: ROOT,
      env: { ...env, ...own },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (child.pid !== undefined) record.add(spec.name, child.pid);
    launched.push({ spec, child });
  }
  await Promise.all(
    launched.map(({ spec, child }) => {
      const checks: ReadinessCheck[] = spec.ready.map((c) => ({ ...c, port: Number(vars[c.port]) }));
      return waitUntilReady(spec.name, child, checks, PROCESS_READY_TIMEOUT_MS, () => stopReason !== undefined);
    }),
  );
  return launched;
}

/** Resolves never; rejects when a launched process exits. */
function firstExit(launched: Launched[]): Promise<never> {
  return new Promise((_res, reject) => {
    for (const { spec, child } of launched) {
      if (child.exitCode !== null || child.signalCode !== null)
        reject(new Error(`${spec.name} exited (${child.exitCode ?? child.signalCode})`));
      child.once('exit', (code, signal) => reject(new Error(`${spec.name} exited (${code ?? signal})`)));
    }
  });
}

function writeEndpoints(vars: Record<string, string>, endpoints: Record<string, string>, launched: Launched[]): void {
  const processes = Object.fromEntries(launched.map(({ spec, child }) => [spec.name, { pid: child.pid }]));
  const content = { launcherPid: process.pid, ...endpoints, processes };
  writeFileSync(ENDPOINTS_FILE, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  const lines = Object.entries({ ...endpoints, RATEL_API_KEY: vars.RATEL_API_KEY }).map(([k, v]) => `export ${k}='${v}'`);
  writeFileSync(ENV_FILE, `# written by npm start (pid ${process.pid}); removed when it stops\n${lines.join('\n')}\n`, { mode: 0o600 });
}

function removeEndpoints(): void {
  rmSync(ENDPOINTS_FILE, { force: true });
  rmSync(ENV_FILE, { force: true });
}

function printBanner(vars: Record<string, string>, servers: { name: string; url: string; pid: number }[], launched: Launched[]): void {
  const lines = [
    '',
    'Ratel is up (every process below answered its readiness check).',
    ...launched.flatMap(({ spec }) => spec.banner.map((l) => `  ${fill(l, vars)}`)),
    `  processes:          ${launched.map(({ spec, child }) => `${spec.name} (pid ${child.pid})`).join(', ')}`,
    `  servers started:    ${servers.map((s) => `${s.name} ${s.url} (pid ${s.pid})`).join(', ') || 'none (using *_URL)'}`,
    `  API key:            ${vars.RATEL_API_KEY}  (stored in ${join(HOME, 'api-key')})`,
    `  endpoints:          ${ENDPOINTS_FILE}; for a shell: source ${ENV_FILE}`,
    '',
    'Try it (README "Try it"):',
    '  npm run try:charge   # a voice session and an SMS over gRPC, on the port chosen here',
    `  source ${ENV_FILE}`,
    '  curl -s -H "x-api-key: $RATEL_API_KEY" "$RATEL_HTTP_URL/v1/accounts/demo-prepaid-1/balance"',
    '',
    'Ctrl-C stops the processes and the servers started here.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function run(record: ProcessRecord): Promise<void> {
  const servers = await startServers(record);
  checkStop();
  // The local stack's key may do everything (read, write, admin, billing): it is the operator's own.
  const key = process.env.RATEL_API_KEYS ?? `${apiKey()}:${LOCAL_KEY_ROLES}`;
  const ports = await choosePorts();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RATEL_API_KEYS: key,
    RATEL_GRPC_INSECURE: process.env.RATEL_GRPC_INSECURE ?? 'true', // local use only; production configures TLS
  };
  await runCli('scripts/ratel.ts', ['migrate'], env);
  await runCli('scripts/ratel.ts', ['seed', '--demo'], env);
  mkdirSync(join(HOME, 'cdr'), { recursive: true });
  const vars: Record<string, string> = { ...ports, RATEL_HOME: HOME, RATEL_API_KEY: key.split(',')[0].split(':')[0] };
  const launched = await launchAll(record, env, vars);
  const endpoints: Record<string, string> = {};
  for (const { spec } of launched) for (const [k, v] of Object.entries(spec.endpoints)) endpoints[k] = fill(v, vars);
  writeEndpoints(vars, endpoints, launched);
  printBanner({ ...vars, ...endpoints }, servers, launched);
  await Promise.race([stopRequested, firstExit(launched)]);
}

async function main(): Promise<number> {
  mkdirSync(HOME, { recursive: true });
  try {
    for (const p of await stopLeftovers(PIDS_FILE)) log(`stopped ${p.name} pid ${p.pid}, left running by an earlier start`);
  } catch (err) {
    if (err instanceof LauncherRunningError) {
      process.stderr.write(`start: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  removeEndpoints();
  const record = new ProcessRecord(PIDS_FILE);
  let failure: unknown;
  try {
    await run(record);
  } catch (err) {
    failure = err;
  }
  removeEndpoints();
  if (failure !== undefined && stopReason === undefined) {
    process.stderr.write(`start: ${failure instanceof Error ? failure.message : String(failure)}; stopping everything\n`);
  }
  // The processes first (they flush to the servers), then the servers.
  const processNames = new Set(PROCESSES.map((s) => s.name));
  await record.stopAll((p) => processNames.has(p.name));
  log('everything started here is stopped');
  return failure !== undefined && stopReason === undefined ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
