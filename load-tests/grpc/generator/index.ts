/**
 * The gRPC load generator: fixed concurrency (virtual users, each with one request in flight),
 * fixed duration, several worker processes (./worker.ts) each with a few raw HTTP/2 sessions
 * sending pre-encoded frames. Prints throughput, p50/p99/p99.9 latency, errors by grpc-status and
 * answers by charging result code, and what the generator itself cost in CPU.
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register load-tests/grpc/generator/index.ts \
 *     --target 127.0.0.1:50051 [--scenario mix|echo-ceiling] [--client raw|node] [--concurrency 128] [--workers 2] \
 *     [--connections 2] [--duration 10] [--warmup 2] [--subscribers 100000] [--msisdn-base 4915100000000] \
 *     [--sms-share 0.3] [--voice-share 0.5] [--min-updates 2] [--max-updates 3] [--timeout 10] [--batch 1]
 *     [--stream 0] [--in-flight N] [--json FILE]
 *
 * --connections is per worker; --duration, --warmup and --timeout are seconds.
 * --batch N > 1 sends ChargeBatch calls of N items instead of unary calls, with the same mix: each
 * virtual user is N unary users whose next requests make up its next batch; --concurrency then
 * counts calls in flight (N times as many items).
 * --stream S > 0 drives ChargeStream instead, with the same mix (../stream-load.ts, in this process, a
 * grpc-js client): S streams, each keeping --in-flight items unanswered (default --concurrency / S, at
 * most the gateway's CHARGE_STREAM_IN_FLIGHT_MAX), each of them one unary virtual user, so a session's
 * requests stay in order. --workers, --connections, --client and --timeout do not apply to it.
 */
import { ChildProcess, fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Args } from '../../lib/args';
import { fmtMs, Histogram, percentilesJson } from '../../lib/histogram';
import { nodeFlagsLikeMine } from '../../lib/proc';
import { METHOD_NAMES, MethodName } from '../charging-api';
import { DEFAULT_MIX, makeRunTag, MixOptions, ScenarioName, USERS_PER_WORKER_MAX, validateMix, WORKERS_MAX } from '../scenarios';
import { CHARGE_BATCH_ITEMS_MAX, CHARGE_STREAM_IN_FLIGHT_MAX } from '../../../apps/charging/src/charging/charging.limits';
import { formatStreamLoad, runStreamLoad, streamLoadJson } from '../stream-load';
import type { ClientKind } from './connections';
import type { FromWorker, WorkerConfig, WorkerResult } from './protocol';

export interface GeneratorOptions {
  target: string;
  /** HTTP/2 client: `raw` (./h2-raw.ts, cheap) or `node` (node:http2). */
  client: ClientKind;
  scenario: ScenarioName;
  concurrency: number;
  workers: number;
  connectionsPerWorker: number;
  durationMs: number;
  warmupMs: number;
  requestTimeoutMs: number;
  mix: MixOptions;
  seed: number;
  /** Requests per call: 1 = unary; N > 1 = ChargeBatch of N items. */
  batch: number;
}

export const DEFAULT_GENERATOR: Omit<GeneratorOptions, 'target'> = {
  client: 'raw',
  scenario: 'mix',
  concurrency: 128,
  workers: 2,
  connectionsPerWorker: 2,
  durationMs: 10_000,
  warmupMs: 2_000,
  requestTimeoutMs: 10_000,
  mix: DEFAULT_MIX,
  seed: 1,
  batch: 1,
};

/** Largest --batch: the gateway's CHARGE_BATCH_ITEMS_MAX. */
export const GENERATOR_BATCH_MAX = CHARGE_BATCH_ITEMS_MAX;

/** Time a worker gets to start (ts-node compiles on first run) and to connect. */
const WORKER_START_TIMEOUT_MS = 60_000;

export interface GeneratorSummary {
  options: GeneratorOptions;
  completed: number;
  /** Answers including warm-up and drain (to relate server-side counters to requests). */
  completedAll: number;
  throughput: number; // completed per second, all outcomes
  /** Requests per second: throughput for unary, ChargeBatch items answered per second when batched. */
  itemThroughput: number;
  okShare: number; // share with grpc-status OK
  latency: Histogram;
  byMethod: Map<MethodName, Histogram>;
  errors: Record<string, number>;
  results: Record<string, number>;
  /** CPU of all workers during the window, in cores (1 = one core busy). */
  cpuCores: number;
  cpuUsPerRequest: number;
  /** Highest event-loop utilisation among the workers (near 1: the generator is saturated). */
  maxElu: number;
  decodeChecks: number;
  decodeFailures: string[];
}

function workerFile(): string {
  return join(__dirname, `worker${extname(__filename)}`);
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

export function summarize(options: GeneratorOptions, results: WorkerResult[]): GeneratorSummary {
  const latency = new Histogram();
  const byMethod = new Map<MethodName, Histogram>();
  const errors: Record<string, number> = {};
  const codes: Record<string, number> = {};
  let cpuUs = 0;
  for (const r of results) {
    latency.merge(r.latency);
    for (const [i, h] of Object.entries(r.byMethod)) {
      const m = METHOD_NAMES[Number(i)];
      byMethod.set(m, (byMethod.get(m) ?? new Histogram()).merge(h));
    }
    addCounts(errors, r.errors);
    addCounts(codes, r.results);
    cpuUs += r.cpuUs;
  }
  const completed = results.reduce((a, r) => a + r.completed, 0);
  const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
  const seconds = options.durationMs / 1000;
  const windowSeconds = Math.max(...results.map((r) => r.windowMs)) / 1000;
  return {
    options,
    completed,
    completedAll: results.reduce((a, r) => a + r.completedAll, 0),
    throughput: completed / seconds,
    itemThroughput: options.batch > 1 ? results.reduce((a, r) => a + r.items, 0) / seconds : completed / seconds,
    okShare: completed === 0 ? 0 : (completed - errorCount) / completed,
    latency,
    byMethod,
    errors,
    results: codes,
    cpuCores: cpuUs / 1e6 / windowSeconds,
    cpuUsPerRequest: completed === 0 ? Number.NaN : cpuUs / completed,
    maxElu: Math.max(...results.map((r) => r.elu)),
    decodeChecks: results.reduce((a, r) => a + r.decodeChecks, 0),
    decodeFailures: results.flatMap((r) => r.decodeFailures),
  };
}

/** Splits n virtual users over k workers as evenly as possible. */
function split(n: number, k: number): number[] {
  return Array.from({ length: k }, (_, i) => Math.floor(n / k) + (i < n % k ? 1 : 0));
}

function validate(o: GeneratorOptions): void {
  validateMix(o.mix);
  if (o.client !== 'raw' && o.client !== 'node') throw new Error('client must be raw or node');
  if (o.scenario !== 'mix' && o.scenario !== 'echo-ceiling') throw new Error('scenario must be mix or echo-ceiling');
  if (!(o.workers >= 1 && o.workers <= WORKERS_MAX)) throw new Error(`workers must be 1..${WORKERS_MAX}`);
  if (!(Number.isInteger(o.batch) && o.batch >= 1 && o.batch <= GENERATOR_BATCH_MAX))
    throw new Error(`batch must be 1..${GENERATOR_BATCH_MAX}`);
  if (!(o.concurrency >= o.workers && o.concurrency * o.batch <= o.workers * USERS_PER_WORKER_MAX))
    throw new Error(
      `concurrency must be at least the number of workers, and concurrency x batch at most ${USERS_PER_WORKER_MAX} per worker`,
    );
  if (!(o.connectionsPerWorker >= 1 && o.connectionsPerWorker <= 64)) throw new Error('connections per worker must be 1..64');
  if (!(o.durationMs >= 1000 && o.durationMs <= 3_600_000)) throw new Error('duration must be 1 s..1 h');
}

/** Runs one measurement: forks the workers, starts them together, merges what they report. */
/** Called when the measurement window opens and closes, e.g. to meter the server's CPU over it. */
export interface WindowObserver {
  open(): void;
  close(): void;
}

export async function runGenerator(options: GeneratorOptions, observer?: WindowObserver): Promise<GeneratorSummary> {
  validate(options);
  const runTag = makeRunTag();
  const users = split(options.concurrency, options.workers);
  const children: ChildProcess[] = [];
  const results: WorkerResult[] = [];
  const deadline = WORKER_START_TIMEOUT_MS + options.warmupMs + options.durationMs + options.requestTimeoutMs + 5_000;
  const killer = setTimeout(() => children.forEach((c) => c.kill('SIGKILL')), deadline);
  try {
    const ready: Promise<void>[] = [];
    const done: Promise<void>[] = [];
    users.forEach((n, worker) => {
      const child = fork(workerFile(), [], { execArgv: nodeFlagsLikeMine(), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      children.push(child);
      let onReady: () => void = () => undefined;
      ready.push(new Promise<void>((r) => (onReady = r)));
      done.push(
        new Promise<void>((resolve, reject) => {
          child.on('message', (m: FromWorker) => {
            if (m.type === 'ready') onReady();
            else if (m.type === 'result') {
              results.push(m);
              resolve();
            } else if (m.type === 'failed') reject(new Error(`generator worker ${m.worker} failed: ${m.error}`));
          });
          child.once('exit', (code, sig) => reject(new Error(`generator worker ${worker} exited (${code ?? sig}) before reporting`)));
        }),
      );
      const cfg: WorkerConfig = {
        type: 'config',
        worker,
        target: options.target,
        client: options.client,
        sessions: options.connectionsPerWorker,
        users: n,
        scenario: options.scenario,
        mix: options.mix,
        runTag,
        seed: options.seed,
        requestTimeoutMs: options.requestTimeoutMs,
        batch: options.batch,
      };
      child.send(cfg);
    });
    await Promise.race([Promise.all(ready), Promise.all(done)]);
    for (const c of children) c.send({ type: 'start', warmupMs: options.warmupMs, durationMs: options.durationMs });
    let closed: Promise<void> = Promise.resolve();
    if (observer) {
      setTimeout(() => observer.open(), options.warmupMs);
      closed = new Promise((r) => setTimeout(() => r(observer.close()), options.warmupMs + options.durationMs));
    }
    await Promise.all(done);
    await closed; // workers may report a few ms before this process's own timer fires
    return summarize(options, results);
  } finally {
    clearTimeout(killer);
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  }
}

const nf = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** The figures of one measurement as text lines (pure). */
export function formatSummary(s: GeneratorSummary, label = `generator ${s.options.scenario}`): string[] {
  const o = s.options;
  const h = s.latency;
  const lines = [
    `${label} -> ${o.target}: ${o.client} HTTP/2 client, ${o.workers} workers x ${o.connectionsPerWorker} connections, ${o.concurrency} in flight, ${o.durationMs / 1000} s after ${o.warmupMs / 1000} s warm-up`,
    `  throughput     ${nf.format(s.throughput)} ${o.batch > 1 ? `ChargeBatch calls/s of ${o.batch} items: ${nf.format(s.itemThroughput)} items/s` : 'req/s'}  (${nf.format(s.completed)} completed, ${(s.okShare * 100).toFixed(2)} % grpc-status OK)`,
    `  latency ms     p50 ${fmtMs(h.percentileUs(50))}  p99 ${fmtMs(h.percentileUs(99))}  p99.9 ${fmtMs(h.percentileUs(99.9))}  max ${fmtMs(h.maxUs)}  mean ${fmtMs(h.meanUs())}`,
  ];
  for (const [m, mh] of s.byMethod) {
    lines.push(
      `  ${m.padEnd(16)} ${nf.format(mh.total / (o.durationMs / 1000)).padStart(7)} req/s  p50 ${fmtMs(mh.percentileUs(50))}  p99 ${fmtMs(mh.percentileUs(99))}  p99.9 ${fmtMs(mh.percentileUs(99.9))}`,
    );
  }
  const errs = Object.entries(s.errors).sort((a, b) => b[1] - a[1]);
  lines.push(`  errors         ${errs.length === 0 ? 'none' : errs.map(([k, v]) => `${k}: ${nf.format(v)}`).join(', ')}`);
  const codes = Object.entries(s.results).sort((a, b) => a[0].localeCompare(b[0]));
  lines.push(`  result codes   ${codes.length === 0 ? 'none' : codes.map(([k, v]) => `${k} ${nf.format(v)}`).join(', ')}`);
  lines.push(
    `  generator CPU  ${s.cpuCores.toFixed(2)} cores, ${s.cpuUsPerRequest.toFixed(1)} µs/request; busiest worker's event loop ${(s.maxElu * 100).toFixed(0)} % busy`,
  );
  if (s.decodeFailures.length > 0) lines.push(`  INVALID ANSWERS (generated decoder failed): ${s.decodeFailures.slice(0, 3).join('; ')}`);
  return lines;
}

/** Reads the generator options from the command line (shared by the bench scripts). */
export function generatorOptionsFrom(args: Args, target: string): GeneratorOptions {
  const d = DEFAULT_GENERATOR;
  return {
    target,
    client: args.str('client', d.client) as ClientKind,
    scenario: args.str('scenario', d.scenario) as ScenarioName,
    concurrency: args.num('concurrency', d.concurrency),
    workers: args.num('workers', d.workers),
    connectionsPerWorker: args.num('connections', d.connectionsPerWorker),
    durationMs: args.num('duration', d.durationMs / 1000) * 1000,
    warmupMs: args.num('warmup', d.warmupMs / 1000) * 1000,
    requestTimeoutMs: args.num('timeout', d.requestTimeoutMs / 1000) * 1000,
    seed: args.num('seed', d.seed),
    batch: args.num('batch', d.batch),
    mix: {
      subscribers: args.num('subscribers', d.mix.subscribers),
      msisdnBase: args.num('msisdn-base', d.mix.msisdnBase),
      smsShare: args.num('sms-share', d.mix.smsShare),
      voiceShare: args.num('voice-share', d.mix.voiceShare),
      minUpdates: args.num('min-updates', d.mix.minUpdates),
      maxUpdates: args.num('max-updates', d.mix.maxUpdates),
    },
  };
}

/** A JSON-friendly copy of a summary (histograms reduced to their percentiles). */
export function summaryJson(s: GeneratorSummary): Record<string, unknown> {
  return {
    options: s.options,
    throughput: s.throughput,
    itemThroughput: s.itemThroughput,
    okShare: s.okShare,
    latency: percentilesJson(s.latency),
    byMethod: Object.fromEntries([...s.byMethod].map(([m, h]) => [m, percentilesJson(h)])),
    errors: s.errors,
    results: s.results,
    generatorCpuCores: s.cpuCores,
    generatorCpuUsPerRequest: s.cpuUsPerRequest,
    generatorMaxEventLoopUtilization: s.maxElu,
  };
}

async function main(): Promise<void> {
  const args = new Args();
  const target = args.str('target');
  if (!target) throw new Error('--target host:port is required');
  const options = generatorOptionsFrom(args, target);
  const json = args.str('json');
  const streams = args.num('stream', 0);
  if (streams > 0) {
    // ChargeStream: the same mix over `streams` streams (./../stream-load.ts), --concurrency items unanswered in all.
    if (options.batch > 1) throw new Error('--stream and --batch exclude each other');
    const inFlight = args.num('in-flight', Math.min(CHARGE_STREAM_IN_FLIGHT_MAX, Math.max(1, Math.round(options.concurrency / streams))));
    args.rejectUnknown();
    const { durationMs, warmupMs, mix, seed } = options;
    const s = await runStreamLoad({ target, streams, inFlight, durationMs, warmupMs, mix, seed });
    process.stdout.write(`${formatStreamLoad(s, 'ChargeStream, mix').join('\n')}\n`);
    if (json) writeFileSync(json, JSON.stringify(streamLoadJson(s), null, 2));
    return;
  }
  args.rejectUnknown();
  const s = await runGenerator(options);
  process.stdout.write(`${formatSummary(s).join('\n')}\n`);
  if (json) writeFileSync(json, JSON.stringify(summaryJson(s), null, 2));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`generator: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
