/**
 * Autocannon against the provisioning REST API: GET /v1/accounts/:id/balance and POST
 * /v1/accounts/:id/top-ups (unique Idempotency-Key per request, x-api-key), each beside a bare
 * node:http JSON server (./bare-server.ts) measured with the same autocannon settings in the same
 * run, alternating per round, with the ratio app/bare.
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register load-tests/http/rest-balance.ts \
 *     [--base http://127.0.0.1:8080 --api-key KEY | --base auto | --base none] [--accounts 100000] \
 *     [--account-prefix lt-] [--endpoints balance,top-up] [--connections 100] [--duration 10] [--warmup 2] \
 *     [--rounds 1] [--amount 0.01] [--app-pid PID ...] [--gateway-node-flag F ...]
 *
 * --base auto (default): start Redis/NATS/PostgreSQL, migrate, seed --subscribers (accounts
 *   lt-0..lt-N-1) and the charging app, as load-tests/grpc/run-compare.ts does; none: bare only.
 * --base URL: an app already running (seeded); --app-pid names its process(es) for the CPU column.
 * Accounts are drawn uniformly from <prefix>0..<prefix>N-1 (what the seed CLI creates).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Args } from '../lib/args';
import { ChargingStack, gatewayAvailable, startChargingStack } from '../lib/charging-stack';
import { CpuMeter, freePort, installChildCleanup, nodeFlagsLikeMine, Started, startProcess, waitForPort } from '../lib/proc';
import { makeRunTag, rng } from '../grpc/scenarios';

/** The part of autocannon's result this bench reads (autocannon ships no types). */
interface AutocannonResult {
  requests: { total: number };
  latency: { p50: number; p99: number; p99_9?: number; max: number; mean: number };
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  statusCodeStats?: Record<string, { count: number }>;
}
interface AutocannonRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- autocannon has no type declarations
const autocannon: Autocannon = require('autocannon');

export type Endpoint = 'balance' | 'top-up';

interface Settings {
  connections: number;
  durationS: number;
  warmupS: number;
  accounts: number;
  accountPrefix: string;
  amount: string;
}

interface Measured {
  label: string;
  endpoint: Endpoint;
  r: AutocannonResult;
  /** CPU cores per metered process: "server" is the HTTP process, then redis/postgres/nats when known. */
  cores: Record<string, number>;
  serverCores: number;
  clientCores: number;
  otherCores: number;
}

const log = (line: string) => process.stderr.write(`[rest-balance] ${line}\n`);

function requestFor(
  endpoint: Endpoint,
  s: Settings,
  apiKey: string,
  seed: number,
): AutocannonRequest & { setupRequest: (r: AutocannonRequest) => AutocannonRequest } {
  const random = rng(seed);
  const runTag = makeRunTag();
  let n = 0;
  const account = () => `${s.accountPrefix}${Math.floor(random() * s.accounts)}`;
  const base = { 'x-api-key': apiKey, 'content-type': 'application/json' };
  if (endpoint === 'balance') {
    return {
      method: 'GET',
      path: '/v1/accounts/x/balance',
      headers: base,
      setupRequest: (r) => ({ ...r, path: `/v1/accounts/${account()}/balance` }),
    };
  }
  const body = JSON.stringify({ amount: s.amount });
  return {
    method: 'POST',
    path: '/v1/accounts/x/top-ups',
    headers: base,
    body,
    setupRequest: (r) => ({
      ...r,
      path: `/v1/accounts/${account()}/top-ups`,
      headers: { ...base, 'idempotency-key': `lt-${runTag}-${seed}-${++n}` },
    }),
  };
}

async function measure(
  label: string,
  url: string,
  endpoint: Endpoint,
  s: Settings,
  apiKey: string,
  pids: Record<string, number>,
  seed: number,
): Promise<Measured> {
  const opts = (durationS: number) => ({
    url,
    connections: s.connections,
    duration: durationS,
    requests: [requestFor(endpoint, s, apiKey, seed + durationS)],
  });
  if (s.warmupS > 0) await autocannon(opts(s.warmupS));
  const meter = new CpuMeter(Object.values(pids));
  const cpu0 = process.cpuUsage();
  meter.start();
  const r = await autocannon(opts(s.durationS));
  const cpu = meter.stop();
  const own = process.cpuUsage(cpu0);
  const clientCores = (own.user + own.system) / 1e6 / cpu.seconds;
  const cores = Object.fromEntries(Object.entries(pids).map(([role, pid]) => [role, cpu.coresByPid.get(pid) ?? 0]));
  const metered = Object.values(cores).reduce((a, b) => a + b, 0);
  return {
    label,
    endpoint,
    r,
    cores,
    serverCores: cores.server ?? 0,
    clientCores,
    otherCores: Math.max(0, cpu.machineBusyCores - metered - clientCores),
  };
}

const nf = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function rate(m: Measured): number {
  return m.r.requests.total / m.r.duration;
}

function formatRows(rows: Measured[]): string[] {
  const head = `${'target'.padEnd(34)} ${'endpoint'.padEnd(8)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'p99.9'.padStart(7)} ${'2xx %'.padStart(6)} ${'server cores'.padStart(12)} ${'srv µs/req'.padStart(10)} ${'client cores'.padStart(12)} ${'others'.padStart(7)}  status codes`;
  return [
    head,
    '-'.repeat(head.length),
    ...rows.map((m) => {
      const codes = Object.entries(m.r.statusCodeStats ?? {})
        .map(([c, v]) => `${c}:${v.count}`)
        .join(' ');
      const ok = m.r.requests.total === 0 ? 0 : (m.r['2xx'] / m.r.requests.total) * 100;
      const aux = Object.entries(m.cores)
        .filter(([role]) => role !== 'server')
        .map(([role, c]) => `${role} ${c.toFixed(2)}`)
        .join(' ');
      const usPerReq = ((m.serverCores * 1e6) / Math.max(1, rate(m))).toFixed(0);
      return `${m.label.padEnd(34)} ${m.endpoint.padEnd(8)} ${nf.format(rate(m)).padStart(8)} ${String(m.r.latency.p50).padStart(7)} ${String(m.r.latency.p99).padStart(7)} ${String(m.r.latency.p99_9 ?? '-').padStart(7)} ${ok.toFixed(1).padStart(6)} ${m.serverCores.toFixed(2).padStart(12)} ${usPerReq.padStart(10)} ${m.clientCores.toFixed(2).padStart(12)} ${m.otherCores.toFixed(2).padStart(7)}  ${codes}${m.r.errors ? ` errors:${m.r.errors}` : ''}${m.r.timeouts ? ` timeouts:${m.r.timeouts}` : ''}${aux ? `  [${aux} cores]` : ''}`;
    }),
  ];
}

async function startBare(logDir: string): Promise<{ url: string; p: Started }> {
  const port = await freePort();
  const p = startProcess(
    'bare http',
    process.execPath,
    [...nodeFlagsLikeMine(), join(__dirname, `bare-server${__filename.endsWith('.ts') ? '.ts' : '.js'}`), '--port', String(port)],
    {
      logFile: join(logDir, 'bare-server.log'),
    },
  );
  await waitForPort('127.0.0.1', port, p);
  return { url: `http://127.0.0.1:${port}`, p };
}

async function main(): Promise<void> {
  installChildCleanup();
  const args = new Args();
  const baseArg = args.str('base', 'auto');
  const settings: Settings = {
    connections: args.num('connections', 100),
    durationS: args.num('duration', 10),
    warmupS: args.num('warmup', 2),
    accounts: args.num('accounts', 100_000),
    accountPrefix: args.str('account-prefix', 'lt-'),
    amount: args.str('amount', '0.01'),
  };
  const endpoints = args.str('endpoints', 'balance,top-up').split(',') as Endpoint[];
  const rounds = args.num('rounds', 1);
  let apiKey = args.str('api-key', 'load-test');
  const pidArgs = args.all('app-pid').map(Number);
  const gatewayNodeFlags = args.all('gateway-node-flag');
  args.rejectUnknown();
  if (endpoints.some((e) => e !== 'balance' && e !== 'top-up')) throw new Error('--endpoints is a list of balance, top-up');
  const logDir = mkdtempSync(join(tmpdir(), 'ratel-rest-'));
  let stack: ChargingStack | undefined;
  const bare = await startBare(logDir);
  try {
    let app: { url: string; pids: Record<string, number> } | undefined;
    if (baseArg === 'auto' && gatewayAvailable()) {
      stack = await startChargingStack({
        subscribers: settings.accounts,
        msisdnBase: 4915100000000,
        redisAof: true,
        gatewayEnv: {},
        gatewayNodeFlags,
        log,
      });
      apiKey = stack.apiKey;
      const { gateway, ...aux } = stack.pids;
      const pids: Record<string, number> = { server: gateway };
      for (const [role, pid] of Object.entries(aux)) if (pid !== undefined) pids[role] = pid;
      app = { url: stack.httpBase, pids };
    } else if (baseArg !== 'auto' && baseArg !== 'none') {
      app = {
        url: baseArg.replace(/\/$/, ''),
        pids: Object.fromEntries(pidArgs.map((pid, i) => [i === 0 ? 'server' : `pid ${pid}`, pid])),
      };
    }
    const rows: Measured[] = [];
    for (let round = 1; round <= rounds; round++) {
      for (const e of endpoints) {
        log(`round ${round}: ${e} on the bare server`);
        rows.push(await measure(`bare node:http r${round}`, bare.url, e, settings, apiKey, { server: bare.p.pid }, round));
        if (app) {
          log(`round ${round}: ${e} on the app`);
          rows.push(await measure(`charging app r${round}`, app.url, e, settings, apiKey, app.pids, round));
        }
      }
    }
    const out = [
      '',
      `autocannon: ${settings.connections} connections, ${settings.durationS} s per measurement after ${settings.warmupS} s warm-up, accounts ${settings.accountPrefix}0..${settings.accounts - 1}`,
      ...formatRows(rows),
      '',
    ];
    if (app) {
      for (const e of endpoints) {
        const b = rows.filter((m) => m.endpoint === e && m.label.startsWith('bare'));
        const a = rows.filter((m) => m.endpoint === e && m.label.startsWith('charging'));
        const tp = a.map((m, i) => rate(m) / rate(b[i]));
        const p99 = a.map((m, i) => m.r.latency.p99 / Math.max(0.001, b[i].r.latency.p99));
        out.push(
          `ratio app/bare ${e}: throughput ${tp.map((x) => x.toFixed(2)).join(', ')}; p99 ${p99.map((x) => x.toFixed(2)).join(', ')}`,
        );
      }
    } else {
      out.push('no app measured (give --base URL --api-key KEY, or --base auto when apps/charging/src/main.ts exists)');
    }
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await stack?.stop();
    await bare.p.stop();
    rmSync(logDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`rest-balance: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
