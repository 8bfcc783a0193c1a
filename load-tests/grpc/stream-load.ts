/**
 * ChargeStream load: `streams` long-lived ChargeStream calls (grpc-js client, requests and answers
 * as raw bytes), each keeping `inFlight` items unanswered, with the generator's mix: every lane of a
 * stream is one unary virtual user (../scenarios.ts mixUser), whose next request leaves when its
 * previous answer arrived, so a session's start, updates and terminate stay in order. Answers come
 * in the order sent, so each one is matched to the oldest unanswered item of its stream.
 * Measures items per second, the latency of each item (sent to answered), result codes, and this
 * process's own CPU. Streams are reopened when they end (the gateway's per-stream deadline).
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register load-tests/grpc/stream-load.ts \
 *     --target 127.0.0.1:50051 [--streams 4] [--in-flight 32] [--duration 10] [--warmup 2] [--subscribers 100000]
 */
import { performance } from 'node:perf_hooks';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { ClientDuplexStream, credentials, Client } from '@grpc/grpc-js';
import { ChargingServiceService } from '@app/proto';
import { Args } from '../lib/args';
import { fmtMs, Histogram, percentilesJson } from '../lib/histogram';
import { CHARGE_STREAM_IN_FLIGHT_MAX } from '../../apps/charging/src/charging/charging.limits';
import { readItemAnswer, resultCodeName } from './charging-api';
import { DEFAULT_MIX, makeRunTag, mixTemplates, mixUser, MixOptions, USERS_PER_WORKER_MAX, VirtualUser, writeItem } from './scenarios';

export interface StreamLoadOptions {
  target: string;
  streams: number;
  /** Unanswered items per stream (lanes); at most the gateway's CHARGE_STREAM_IN_FLIGHT_MAX. */
  inFlight: number;
  durationMs: number;
  warmupMs: number;
  mix: MixOptions;
  seed: number;
}

export interface StreamLoadSummary {
  options: StreamLoadOptions;
  /** Items answered inside the window. */
  completed: number;
  /** Every item answered, warm-up and drain included. */
  completedAll: number;
  throughput: number;
  okShare: number;
  latency: Histogram;
  errors: Record<string, number>;
  results: Record<string, number>;
  cpuCores: number;
  cpuUsPerRequest: number;
}

/** The generator's "worker" number of this driver in the ids (the generator uses 0..98). */
const STREAM_DRIVER_WORKER = 99;

const identity = (b: Buffer) => b;

export async function runStreamLoad(o: StreamLoadOptions): Promise<StreamLoadSummary> {
  if (!(o.inFlight >= 1 && o.inFlight <= CHARGE_STREAM_IN_FLIGHT_MAX))
    throw new Error(`in-flight must be 1..${CHARGE_STREAM_IN_FLIGHT_MAX}`);
  if (!(o.streams >= 1 && o.streams * o.inFlight <= USERS_PER_WORKER_MAX))
    throw new Error(`streams x in-flight must be at most ${USERS_PER_WORKER_MAX}`);
  const path = ChargingServiceService.chargeStream.path;
  const client = new Client(o.target, credentials.createInsecure());
  const templates = mixTemplates(o.mix);
  const runTag = makeRunTag();
  const latency = new Histogram();
  const errors = new Map<string, number>();
  const results = new Map<string, number>();
  let completed = 0;
  let completedAll = 0;
  let running = true;
  const t0 = performance.now();
  const from = t0 + o.warmupMs;
  const to = from + o.durationMs;
  const count = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

  const runStream = (s: number) =>
    new Promise<void>((resolve) => {
      const lanes: VirtualUser[] = Array.from({ length: o.inFlight }, (_, i) =>
        mixUser(templates, o.mix, runTag, STREAM_DRIVER_WORKER, s * o.inFlight + i, o.seed + s * 100_003 + i * 7919),
      );
      let call: ClientDuplexStream<Buffer, Buffer>;
      /** Unanswered items of the open call, oldest first: lane and send time. */
      let waiting: Array<{ lane: number; at: number }> = [];
      let seq = 0;
      const send = (lane: number) => {
        const w = new BinaryWriter();
        writeItem(w, lanes[lane].next(), `i${seq++}`);
        waiting.push({ lane, at: performance.now() });
        call.write(Buffer.from(w.finish()));
      };
      const open = () => {
        call = client.makeBidiStreamRequest(path, identity, identity);
        waiting = [];
        call.on('data', (bytes: Buffer) => {
          const sent = waiting.shift();
          if (!sent) return count(errors, 'answer without an item');
          const now = performance.now();
          completedAll++;
          if (now >= from && now <= to) {
            completed++;
            latency.record((now - sent.at) * 1000);
            try {
              const a = readItemAnswer(bytes);
              if (a.method !== undefined) count(results, `${a.method} ${resultCodeName(a.resultCode)}`);
              else count(errors, `item grpc-status ${a.status ?? '?'}`);
            } catch {
              count(errors, 'bad ChargeItemResult');
            }
          }
          if (running) send(sent.lane);
          else if (waiting.length === 0) call.end();
        });
        call.on('error', (err: { code?: number }) => {
          count(errors, `stream ended with grpc-status ${err.code ?? '?'}`);
        });
        call.on('close', () => {
          if (running) open();
          else resolve();
        });
        for (let lane = 0; lane < o.inFlight; lane++) send(lane);
      };
      open();
    });

  const cpu0 = process.cpuUsage();
  const done = Promise.all(Array.from({ length: o.streams }, (_, s) => runStream(s)));
  await new Promise((r) => setTimeout(r, o.warmupMs));
  const cpuFrom = process.cpuUsage(cpu0);
  await new Promise((r) => setTimeout(r, o.durationMs));
  const cpu = process.cpuUsage(cpu0);
  running = false;
  await Promise.race([done, new Promise((r) => setTimeout(r, 10_000))]);
  client.close();
  const cpuUs = cpu.user + cpu.system - (cpuFrom.user + cpuFrom.system);
  const errorCount = [...errors.values()].reduce((a, b) => a + b, 0);
  return {
    options: o,
    completed,
    completedAll,
    throughput: completed / (o.durationMs / 1000),
    okShare: completed === 0 ? 0 : Math.max(0, completed - errorCount) / completed,
    latency,
    errors: Object.fromEntries(errors),
    results: Object.fromEntries(results),
    cpuCores: cpuUs / 1e6 / (o.durationMs / 1000),
    cpuUsPerRequest: completed === 0 ? Number.NaN : cpuUs / completed,
  };
}

const nf = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatStreamLoad(s: StreamLoadSummary, label = 'ChargeStream'): string[] {
  const o = s.options;
  const h = s.latency;
  return [
    `${label} -> ${o.target}: grpc-js client, ${o.streams} streams x ${o.inFlight} items in flight, ${o.durationMs / 1000} s after ${o.warmupMs / 1000} s warm-up`,
    `  throughput     ${nf.format(s.throughput)} items/s  (${nf.format(s.completed)} answered)`,
    `  latency ms     p50 ${fmtMs(h.percentileUs(50))}  p99 ${fmtMs(h.percentileUs(99))}  p99.9 ${fmtMs(h.percentileUs(99.9))}  max ${fmtMs(h.maxUs)} (per item, sent to answered)`,
    `  errors         ${
      Object.keys(s.errors).length === 0
        ? 'none'
        : Object.entries(s.errors)
            .map(([k, v]) => `${k}: ${nf.format(v)}`)
            .join(', ')
    }`,
    `  result codes   ${Object.entries(s.results)
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([k, v]) => `${k} ${nf.format(v)}`)
      .join(', ')}`,
    `  driver CPU     ${s.cpuCores.toFixed(2)} cores, ${s.cpuUsPerRequest.toFixed(1)} µs/item`,
  ];
}

/** A JSON-friendly copy of a summary (the latency histogram reduced to its percentiles). */
export function streamLoadJson(s: StreamLoadSummary): Record<string, unknown> {
  return {
    options: s.options,
    itemThroughput: s.throughput,
    completed: s.completed,
    okShare: s.okShare,
    latency: percentilesJson(s.latency),
    errors: s.errors,
    results: s.results,
    clientCpuCores: s.cpuCores,
    clientCpuUsPerItem: s.cpuUsPerRequest,
  };
}

export function streamLoadOptionsFrom(args: Args, target: string): StreamLoadOptions {
  return {
    target,
    streams: args.num('streams', 4),
    inFlight: args.num('in-flight', 32),
    durationMs: args.num('duration', 10) * 1000,
    warmupMs: args.num('warmup', 2) * 1000,
    seed: args.num('seed', 1),
    mix: { ...DEFAULT_MIX, subscribers: args.num('subscribers', DEFAULT_MIX.subscribers) },
  };
}

async function main(): Promise<void> {
  const args = new Args();
  const target = args.str('target');
  if (!target) throw new Error('--target host:port is required');
  const options = streamLoadOptionsFrom(args, target);
  args.rejectUnknown();
  process.stdout.write(`${formatStreamLoad(await runStreamLoad(options)).join('\n')}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`stream-load: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
