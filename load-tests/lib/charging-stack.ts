/**
 * Starts the real charging gateway for a load test: Redis, NATS (JetStream) and PostgreSQL from
 * @app/devstack in a temporary directory, migrations and the seed with `--subscribers N` (the
 * operator CLI, `ratel migrate` and `ratel seed`; the seed's progress shown here), then
 * apps/charging/src/main.ts with plaintext gRPC on a free port. Everything started here is stopped
 * by its PID when the run ends. Nothing here touches servers it did not start.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { startProgress } from '@app/runtime/progress';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startNats, startPostgres, startRedis, StartedServer } from '@app/devstack';
import { COMPILED, freePort, nodeFlagsLikeMine, runToEnd, Started, startProcess, trackForCleanup, untrack, waitForPort } from './proc';

/** The repository (this file is load-tests/lib/ in the source tree, dist/load-tests/lib/ compiled). */
export const REPO_ROOT = resolve(__dirname, '..', '..', ...(COMPILED ? ['..'] : []));
const DIST = join(REPO_ROOT, 'dist');
export const GATEWAY_MAIN = 'apps/charging/src/main.ts';
/** The operator CLI (`ratel migrate`, `ratel seed --subscribers N`). */
export const RATEL_CLI = 'scripts/ratel.ts';
export const RELAY_MAIN = 'apps/charging/src/relay-main.ts';
export const JOURNAL_MAIN = 'apps/charging/src/journal-main.ts';
/** Seeding 100k subscribers takes about a minute on this machine; a limit well above it. */
const SEED_TIMEOUT_MS = 15 * 60_000;
const MIGRATE_TIMEOUT_MS = 2 * 60_000;
/** How often the seed's log is read for its progress lines. */
const SEED_PROGRESS_POLL_MS = 1_000;
/** A progress line of `ratel seed` that is not a terminal: `seed: 12,000/100,000 subscribers ...`. */
const SEED_PROGRESS_LINE = /^seed: ([0-9,]+)\/[0-9,]+ subscribers/gm;

/**
 * Shows the seed's progress here (a bar on a terminal, lines otherwise): the seed, a child with
 * its output in a log file, writes plain progress lines there; the last one gives the count.
 */
function followSeedProgress(logFile: string, total: number): () => void {
  const progress = startProgress({ label: 'stack: seeding', total, unit: 'subscribers' });
  const read = () => {
    const text = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
    const last = [...text.matchAll(SEED_PROGRESS_LINE)].pop();
    if (last) progress.update(Number(last[1].replaceAll(',', '')));
  };
  const timer = setInterval(read, SEED_PROGRESS_POLL_MS);
  return () => {
    clearInterval(timer);
    read(); // the seed's last lines, written after the last poll
    progress.stop();
  };
}

export interface ChargingStack {
  grpcTarget: string;
  httpBase: string;
  redisUrl: string;
  apiKey: string;
  /** PIDs whose CPU a report shows, by role. */
  pids: { gateway: number; relay?: number; journal?: number; redis?: number; nats?: number; postgres?: number };
  logDir: string;
  stop(): Promise<void>;
}

export interface StackOptions {
  subscribers: number;
  msisdnBase: number;
  /** Redis with AOF (appendfsync everysec), as `npm start` runs it. */
  redisAof: boolean;
  /** Extra environment for the gateway (RATEL_* tuning). */
  gatewayEnv: Record<string, string>;
  /** Extra node flags for the gateway process only, e.g. --cpu-prof --cpu-prof-dir=DIR. */
  gatewayNodeFlags?: string[];
  /**
   * Run the outbox relay and the balance journal as processes of their own (relay-main.ts,
   * journal-main.ts; the gateway with RATEL_RELAY_ENABLED=false and RATEL_JOURNAL_ENABLED=false),
   * as k8s/base/relay.yaml and k8s/base/journal.yaml deploy them; else both inside the gateway.
   */
  relayProcess?: boolean;
  log: (line: string) => void;
}

export function gatewayAvailable(): boolean {
  return existsSync(join(REPO_ROOT, GATEWAY_MAIN));
}

/** Node arguments that run one of the repository's entry points, compiled when this runs compiled. */
function script(path: string): string[] {
  return [...nodeFlagsLikeMine(), COMPILED ? join(DIST, path.replace(/\.ts$/, '.js')) : join(REPO_ROOT, path)];
}

export async function startChargingStack(o: StackOptions): Promise<ChargingStack> {
  const dir = mkdtempSync(join(tmpdir(), 'ratel-loadtest-'));
  const servers: StartedServer[] = [];
  let gateway: Started | undefined;
  let relay: Started | undefined;
  let journal: Started | undefined;
  const stop = async () => {
    await gateway?.stop();
    await relay?.stop();
    await journal?.stop();
    await Promise.all(servers.map(async (s) => (await s.stop(), untrack(s.pid))));
    rmSync(dir, { recursive: true, force: true });
  };
  const started = (s: StartedServer) => (servers.push(s), trackForCleanup(s.pid), s);
  try {
    o.log(`stack: starting Redis, NATS and PostgreSQL under ${dir}`);
    const redis = started(await startRedis({ dir: join(dir, 'redis'), persist: o.redisAof }));
    const nats = started(await startNats({ dir: join(dir, 'nats') }));
    const pg = started(await startPostgres({ dir: join(dir, 'pg'), durable: false }));
    const [grpcPort, httpPort] = [await freePort(), await freePort()];
    const apiKey = randomBytes(16).toString('hex');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      REDIS_URL: redis.url,
      NATS_URL: nats.url,
      DATABASE_URL: pg.url,
      RATEL_GRPC_INSECURE: 'true',
      RATEL_GRPC_HOST: '127.0.0.1',
      RATEL_GRPC_PORT: String(grpcPort),
      RATEL_HTTP_HOST: '127.0.0.1',
      RATEL_HTTP_PORT: String(httpPort),
      RATEL_API_KEYS: apiKey,
      RATEL_LOG_LEVEL: 'warn',
      ...(COMPILED ? { TS_NODE_BASEURL: DIST } : {}),
      ...(o.relayProcess ? { RATEL_RELAY_ENABLED: 'false', RATEL_JOURNAL_ENABLED: 'false' } : {}),
      ...o.gatewayEnv,
    };
    const cli = { env, cwd: REPO_ROOT };
    o.log('stack: migrating');
    await runToEnd('migrate', process.execPath, [...script(RATEL_CLI), 'migrate'], {
      ...cli,
      logFile: join(dir, 'migrate.log'),
      timeoutMs: MIGRATE_TIMEOUT_MS,
    });
    o.log(`stack: seeding ${o.subscribers} subscribers (MSISDN ${o.msisdnBase}+i)`);
    const t0 = Date.now();
    const seedLog = join(dir, 'seed.log');
    const stopSeedProgress = followSeedProgress(seedLog, o.subscribers);
    try {
      const seed = ['seed', '--subscribers', String(o.subscribers), '--msisdn-base', String(o.msisdnBase)];
      await runToEnd('seed', process.execPath, [...script(RATEL_CLI), ...seed], {
        ...cli,
        logFile: seedLog,
        timeoutMs: SEED_TIMEOUT_MS,
      });
    } finally {
      stopSeedProgress();
    }
    o.log(`stack: seeded in ${((Date.now() - t0) / 1000).toFixed(0)} s; starting the gateway`);
    gateway = startProcess('charging gateway', process.execPath, [...(o.gatewayNodeFlags ?? []), ...script(GATEWAY_MAIN)], {
      ...cli,
      logFile: join(dir, 'gateway.log'),
    });
    await waitForPort('127.0.0.1', grpcPort, gateway);
    await waitForPort('127.0.0.1', httpPort, gateway);
    /** A worker entry point, up once its /metrics port (named by `metricsPortVar`) answers. */
    const startWorker = async (name: string, main: string, metricsPortVar: string, log: string): Promise<Started> => {
      const metricsPort = await freePort();
      const worker = startProcess(name, process.execPath, script(main), {
        ...cli,
        env: { ...env, [metricsPortVar]: String(metricsPort) },
        logFile: join(dir, log),
      });
      await waitForPort('127.0.0.1', metricsPort, worker);
      return worker;
    };
    if (o.relayProcess) {
      relay = await startWorker('outbox relay', RELAY_MAIN, 'RATEL_RELAY_METRICS_PORT', 'relay.log');
      journal = await startWorker('balance journal', JOURNAL_MAIN, 'RATEL_JOURNAL_METRICS_PORT', 'journal.log');
    }
    return {
      grpcTarget: `127.0.0.1:${grpcPort}`,
      redisUrl: redis.url,
      httpBase: `http://127.0.0.1:${httpPort}`,
      apiKey,
      pids: {
        gateway: gateway.pid,
        ...(relay ? { relay: relay.pid } : {}),
        ...(journal ? { journal: journal.pid } : {}),
        redis: redis.pid,
        nats: nats.pid,
        postgres: pg.pid,
      },
      logDir: dir,
      stop,
    };
  } catch (e) {
    const logs = ['migrate.log', 'seed.log', 'gateway.log', 'relay.log'].map((f) => join(dir, f)).filter(existsSync);
    const tails = logs.map((f) => `--- ${f} (last lines)\n${readFileSync(f, 'utf8').split('\n').slice(-25).join('\n')}`);
    await stop().catch(() => undefined);
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${tails.join('\n')}`);
  }
}
