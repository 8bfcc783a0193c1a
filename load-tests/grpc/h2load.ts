/**
 * Runs h2load (nghttp2-client, C, one thread) against a gRPC server with a pre-encoded request:
 * the same DebitEvent frame the generator's echo-ceiling scenario sends. h2load checks HTTP
 * status only, not grpc-status, so it is pointed at the echo server (which answers OK), where it
 * shows how far the server goes with a load generator that costs next to nothing.
 * Latency percentiles come from h2load's per-request log (--log-file).
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register load-tests/grpc/h2load.ts \
 *     --target 127.0.0.1:50051 [--concurrency 128] [--connections 4] [--duration 10] [--warmup 2] [--batch 1]
 *     [--call ChargeBatch|ChargeStream] [--msisdn-base 4915100000000] [--subscribers 100000]
 *
 * --concurrency is the total number of streams in flight: --connections x (concurrency/connections).
 * --batch N > 1 calls the echo's batch method (./batch-echo.ts) with N DebitEvents per call: the
 * transport ceiling of a batched API (operations/s = calls/s x N).
 *
 * --call ChargeBatch|ChargeStream sends charging.v1's own batched RPCs instead, to the charging
 * gateway or the echo: one ChargeBatchRequest of --batch items, or a ChargeStream call whose body is
 * --batch ChargeItem frames followed by the end of the stream (the gateway answers each item, then
 * ends). The items are --batch consecutive requests of one virtual user of the unary mix
 * (scenarios.ts chargeMixItems: SMS debits, voice and data sessions from start to terminate, over
 * --subscribers seeded subscribers from --msisdn-base), with request and session ids of this run.
 * h2load sends the very same bytes on every call, so only the first call charges: every later item
 * is answered from its idempotency record (validation, fingerprint, one script call that finds the
 * stored answer, the answer); the check before the run sends the call twice and requires every item
 * answered both times. That is the gateway's batched path over the mix's kinds of item without the
 * balance work and the rated-event pipeline: its ceiling with a client that costs next to nothing,
 * not the charging itself (the generator and stream-load.ts drive that).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Args } from '../lib/args';
import { fmtMs, Histogram } from '../lib/histogram';
import { CpuPoller, startProcess } from '../lib/proc';
import { ChargeBatchResponse, ChargeItemResult, ChargingServiceService, DebitEventResponse } from '@app/proto';
import { BATCH_DEBIT_PATH, decodeBatchAnswers, encodeBatch } from './batch-echo';
import { methodPath } from './charging-api';
import { grpcFrame, unframe, unframeAll } from './frames';
import { H2Outcome, RawH2Connection } from './generator/h2-raw';
import { ceilingDebitMessage, chargeBatchOf, chargeMixItems, DEFAULT_MIX, type MixOptions } from './scenarios';

export const H2LOAD_BIN = '/usr/bin/h2load';

/** charging.v1's batched RPCs h2load can send (see the header). */
export const H2LOAD_CALLS = ['ChargeBatch', 'ChargeStream'] as const;
export type H2loadCall = (typeof H2LOAD_CALLS)[number];

export interface H2loadOptions {
  target: string;
  /** 1: the unary DebitEvent; N > 1: N DebitEvents in one call of the echo's batch method, or N items of `call`. */
  batch?: number;
  /** charging.v1's ChargeBatch or ChargeStream with `batch` items per call (absent: DebitEvent or the echo's batch method). */
  call?: H2loadCall;
  /** The subscribers the items of `call` draw from: msisdnBase .. msisdnBase + subscribers - 1 (the seeded ones; DEFAULT_MIX's when absent). */
  msisdnBase?: number;
  subscribers?: number;
  /** Request ids of `call` items start with it (one per run: its first call charges, the rest replay). */
  runId?: string;
  concurrency: number;
  connections: number;
  durationMs: number;
  warmupMs: number;
}

export interface H2loadSummary {
  options: H2loadOptions;
  completed: number;
  throughput: number;
  succeeded: number;
  latency: Histogram;
  cpuCores: number;
  cpuUsPerRequest: number;
  rawTail: string;
}

/** The request body h2load sends: the unary DebitEvent, a batch of N of them, or a call of charging.v1's batched RPCs (pure). */
export function h2loadRequest(batch: number, call?: H2loadCall, who: Subscribers = {}, runId = 'h2load'): { path: string; frame: Buffer } {
  const mix: MixOptions = {
    ...DEFAULT_MIX,
    msisdnBase: who.msisdnBase ?? DEFAULT_MIX.msisdnBase,
    subscribers: who.subscribers ?? DEFAULT_MIX.subscribers,
  };
  if (call === 'ChargeBatch') {
    const items = chargeMixItems(batch, runId, mix);
    return { path: ChargingServiceService.chargeBatch.path, frame: grpcFrame(chargeBatchOf(items)) };
  }
  if (call === 'ChargeStream') {
    const items = chargeMixItems(batch, runId, mix);
    return { path: ChargingServiceService.chargeStream.path, frame: Buffer.concat(items.map((i) => grpcFrame(i))) };
  }
  const message = ceilingDebitMessage();
  return batch === 1
    ? { path: methodPath('DebitEvent'), frame: grpcFrame(message) }
    : { path: BATCH_DEBIT_PATH, frame: grpcFrame(encodeBatch(Array.from({ length: batch }, () => message))) };
}

/** Who the items of a charging.v1 call are (H2loadOptions). */
export type Subscribers = Pick<H2loadOptions, 'msisdnBase' | 'subscribers'>;

/**
 * h2load counts HTTP 2xx only; so before it runs, the same bytes are sent over our own HTTP/2 client
 * and the answer must be grpc-status 0 with one valid answer per request. A call of charging.v1's
 * batched RPCs is sent twice: the first charges, the second is answered from the idempotency records,
 * as every call of h2load's run is, and each of its items must be an answer too, not a per-item error.
 */
export async function checkAnswer(target: string, batch: number, call?: H2loadCall, who: Subscribers = {}, runId?: string): Promise<void> {
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  const { path, frame } = h2loadRequest(batch, call, who, runId);
  const conn = new RawH2Connection(host, port);
  try {
    await conn.ready();
    for (const attempt of call === undefined ? ['check'] : ['check', 'replay']) {
      const o = await new Promise<H2Outcome>((resolve) =>
        conn.request(
          [
            [':method', 'POST'],
            [':scheme', 'http'],
            [':path', path],
            [':authority', target],
            ['content-type', 'application/grpc'],
            ['te', 'trailers'],
          ],
          attempt,
          frame,
          resolve,
        ),
      );
      const answers = o.body === undefined ? 0 : countAnswers(o.body, batch, call);
      if (o.status !== 200 || o.grpcStatus !== '0' || answers !== batch) {
        throw new Error(
          `the h2load request is not answered properly (${attempt}): HTTP ${o.status}, grpc-status ${o.grpcStatus}, ${answers}/${batch} answers`,
        );
      }
    }
  } finally {
    conn.close();
  }
}

/** Answers in a response body, each item checked to be an answer and not a per-item error. */
function countAnswers(body: Buffer, batch: number, call?: H2loadCall): number {
  if (call === 'ChargeStream') {
    const messages = unframeAll(body);
    if (messages === undefined) return 0;
    return messages.every((m) => okItem(ChargeItemResult.decode(m))) ? messages.length : -1;
  }
  const message = unframe(body);
  if (message === undefined) return 0;
  if (call === 'ChargeBatch') {
    const results = ChargeBatchResponse.decode(message).results;
    return results.every(okItem) ? results.length : -1;
  }
  return batch === 1 ? (DebitEventResponse.decode(message), 1) : decodeBatchAnswers(message);
}

/** An item answered as its unary RPC answers (any of the oneof's kinds), not refused with a per-item status. */
function okItem(r: ChargeItemResult): boolean {
  return r.status === undefined && (r.start ?? r.update ?? r.terminate ?? r.debitEvent ?? r.refundEvent) !== undefined;
}

/** Runs h2load once; resolves with its figures (bounded: h2load stops after warm-up + duration). */
export async function runH2load(o: H2loadOptions): Promise<H2loadSummary> {
  const dir = mkdtempSync(join(tmpdir(), 'ratel-h2load-'));
  try {
    const body = join(dir, 'debit-event.bin');
    const logFile = join(dir, 'requests.log');
    const out = join(dir, 'h2load.out');
    const batch = o.batch ?? 1;
    await checkAnswer(o.target, batch, o.call, o, o.runId);
    const request = h2loadRequest(batch, o.call, o, o.runId);
    writeFileSync(body, request.frame);
    const streams = Math.max(1, Math.round(o.concurrency / o.connections));
    const args = [
      '-D',
      String(o.durationMs / 1000),
      '--warm-up-time',
      String(o.warmupMs / 1000),
      '-c',
      String(o.connections),
      '-m',
      String(streams),
      '-t',
      '1',
      '-d',
      body,
      '-H',
      'content-type: application/grpc',
      '-H',
      'te: trailers',
      '--log-file',
      logFile,
      `http://${o.target}${request.path}`,
    ];
    const p = startProcess('h2load', H2LOAD_BIN, args, { logFile: out });
    // h2load's CPU in its main phase: a sample when warm-up ends, the last sample before it exits
    // (/proc/<pid> is gone afterwards, so the poller keeps the latest reading).
    const poll = new CpuPoller(p.pid, 100);
    let atWarmupEnd: { cpuSeconds: number; t: number } | undefined;
    const warm = setTimeout(() => (atWarmupEnd = poll.latest()), o.warmupMs);
    const timer = setTimeout(() => void p.stop(), o.warmupMs + o.durationMs + 30_000);
    await p.done;
    clearTimeout(timer);
    clearTimeout(warm);
    poll.stop();
    const last = poll.latest();
    const mainCpu = last.cpuSeconds - (atWarmupEnd?.cpuSeconds ?? 0);
    const mainSeconds = (last.t - (atWarmupEnd?.t ?? 0)) / 1000;
    const text = readFileSync(out, 'utf8');
    if (p.exitCode() !== 0) throw new Error(`h2load failed (${p.exitCode()}):\n${text.slice(-2000)}`);
    const latency = new Histogram();
    for (const line of readFileSync(logFile, 'utf8').split('\n')) {
      const f = line.split('\t');
      if (f.length === 3) latency.record(Number(f[2]));
    }
    const succeeded = Number(/(\d+) succeeded/.exec(text)?.[1] ?? 0);
    const completed = latency.total;
    return {
      options: o,
      completed,
      throughput: completed / (o.durationMs / 1000),
      succeeded,
      latency,
      cpuCores: mainSeconds > 0 ? mainCpu / mainSeconds : Number.NaN,
      cpuUsPerRequest: completed > 0 ? (mainCpu * 1e6) / completed : Number.NaN,
      rawTail: text
        .split('\n')
        .filter((l) => /req\/s|requests:|status codes|time for request/.test(l))
        .join('\n'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const nf = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatH2load(s: H2loadSummary, label = 'h2load echo-ceiling'): string[] {
  const h = s.latency;
  const o = s.options;
  const batch = o.batch ?? 1;
  return [
    `${label}${o.call ? ` (${o.call} of ${batch} items of the mix per call, replayed after the first)` : batch > 1 ? ` (batch of ${batch} DebitEvents per call)` : ''} -> ${o.target}: ${o.connections} connections x ${Math.round(o.concurrency / o.connections)} streams, ${o.durationMs / 1000} s after ${o.warmupMs / 1000} s warm-up`,
    `  throughput     ${nf.format(s.throughput)} calls/s${batch > 1 ? ` = ${nf.format(s.throughput * batch)} ${o.call ? 'items' : 'DebitEvents'}/s` : ''}  (${nf.format(s.completed)} completed, ${nf.format(s.succeeded)} HTTP 2xx; grpc-status not checked by h2load)`,
    `  latency ms     p50 ${fmtMs(h.percentileUs(50))}  p99 ${fmtMs(h.percentileUs(99))}  p99.9 ${fmtMs(h.percentileUs(99.9))}  max ${fmtMs(h.maxUs)}  mean ${fmtMs(h.meanUs())}`,
    `  h2load CPU     ${s.cpuCores.toFixed(2)} cores, ${s.cpuUsPerRequest.toFixed(1)} µs/call`,
  ];
}

function callOf(v: string | undefined): H2loadCall | undefined {
  if (v === undefined) return undefined;
  if (!(H2LOAD_CALLS as readonly string[]).includes(v)) throw new Error(`--call must be one of ${H2LOAD_CALLS.join(', ')}, got ${v}`);
  return v as H2loadCall;
}

async function main(): Promise<void> {
  const args = new Args();
  const target = args.str('target');
  if (!target) throw new Error('--target host:port is required');
  const o: H2loadOptions = {
    target,
    concurrency: args.num('concurrency', 128),
    connections: args.num('connections', 4),
    durationMs: args.num('duration', 10) * 1000,
    warmupMs: args.num('warmup', 2) * 1000,
    batch: args.num('batch', 1),
    call: callOf(args.str('call')),
    msisdnBase: args.num('msisdn-base', DEFAULT_MIX.msisdnBase),
    subscribers: args.num('subscribers', DEFAULT_MIX.subscribers),
    runId: `h2load-${Date.now()}`,
  };
  args.rejectUnknown();
  const s = await runH2load(o);
  process.stdout.write(`${formatH2load(s).join('\n')}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`h2load: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
