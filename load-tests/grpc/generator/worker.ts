/**
 * One generator process: a few HTTP/2 connections (./connections.ts), a fixed number of virtual
 * users each keeping exactly one request in flight, pre-encoded gRPC frames (../scenarios.ts),
 * and a latency histogram of the requests that complete inside the measurement window. Started
 * by ./index.ts with child_process.fork; talks to it over IPC (./protocol.ts).
 *
 * No gRPC library on this side: a request is HEADERS (:path, content-type application/grpc,
 * te trailers) plus one DATA frame; the answer is read as HTTP status, one length-prefixed
 * message and the grpc-status trailer (or header, for trailers-only answers). Of the message
 * only the result_code field is read; the first few answers per method are decoded in full with
 * the generated decoder to prove they are valid charging.v1.
 */
import { performance } from 'node:perf_hooks';
import { Histogram } from '../../lib/histogram';
import { BinaryReader } from '@bufbuild/protobuf/wire';
import { decodeResponse, METHOD_NAMES, readItemAnswer, RESULT_CODE_FIELD, resultCodeName } from '../charging-api';
import { grpcFrame, readVarintField, unframe } from '../frames';
import { batchUser, ceilingDebitMessage, ceilingUser, mixTemplates, mixUser, VirtualUser } from '../scenarios';
import { GrpcConnection, Handle, openConnection } from './connections';
import type { H2Outcome } from './h2-raw';
import type { FromWorker, ToWorker, WorkerConfig, WorkerResult } from './protocol';

/** How often in-flight requests are checked against the request timeout. */
const TIMEOUT_SWEEP_MS = 200;
/** Responses per method decoded in full (with the generated decoder) to prove they are valid. */
const DECODE_CHECKS_PER_METHOD = 3;
/** Result codes counted individually; larger ones are counted as "other". */
const RESULT_CODES_MAX = 64;
/** Pause before a user tries again after the session refused to open a stream. */
const REQUEST_RETRY_DELAY_MS = 10;
const CHARGE_BATCH = METHOD_NAMES.indexOf('ChargeBatch');

const GRPC_STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];

function send(msg: FromWorker): void {
  process.send?.(msg);
}

/** Counters of one worker, all for requests completed inside the window. */
class Tally {
  readonly latency = new Histogram();
  readonly byMethod = METHOD_NAMES.map(() => new Histogram());
  readonly errors = new Map<string, number>();
  readonly results = METHOD_NAMES.map(() => new Float64Array(RESULT_CODES_MAX + 1));
  readonly decodeFailures: string[] = [];
  private readonly decodeBudget = METHOD_NAMES.map(() => DECODE_CHECKS_PER_METHOD);
  decodeChecks = 0;
  completed = 0;
  /** ChargeBatch items answered (each counted under its own method's result codes). */
  items = 0;
  /** Every answer, warm-up and drain included (to relate server-side counters to requests). */
  completedAll = 0;

  error(key: string): void {
    this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
  }

  /** Once in a while, decode an OK answer in full; a failure means the bytes are not charging.v1. */
  maybeDecode(method: number, message: Buffer): void {
    if (this.decodeBudget[method] <= 0) return;
    this.decodeBudget[method]--;
    this.decodeChecks++;
    try {
      decodeResponse(METHOD_NAMES[method], message);
    } catch (e) {
      this.decodeFailures.push(`${METHOD_NAMES[method]}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

/** The run's clock: requests completing in [from, to] are measured. */
interface Window {
  from: number;
  to: number;
  running: boolean;
}

/** A virtual user: one request in flight at a time, its callback bound once. */
class User {
  private handle: Handle | undefined;
  private startedAt = 0;
  private method = 0;
  private timedOut = false;
  stopped = true;

  constructor(
    private readonly vu: VirtualUser,
    private readonly conn: GrpcConnection,
    private readonly tally: Tally,
    private readonly window: Window,
    private readonly onIdle: () => void,
  ) {}

  start(): void {
    this.stopped = false;
    this.issue();
  }

  /** Cancels the request in flight when it is older than timeoutMs; it then completes as "timeout". */
  sweep(now: number, timeoutMs: number): void {
    if (this.handle !== undefined && !this.timedOut && now - this.startedAt > timeoutMs) {
      this.timedOut = true;
      this.conn.cancel(this.handle);
    }
  }

  private issue(): void {
    const step = this.vu.next();
    this.method = step.method;
    this.timedOut = false;
    this.startedAt = performance.now();
    try {
      this.handle = this.conn.send(step.method, step.frame, this.onDone);
    } catch (e) {
      // The connection refused a new stream (closing, out of stream ids): count it, retry shortly.
      const now = performance.now();
      if (now >= this.window.from && now <= this.window.to)
        this.tally.error(`request refused ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      this.handle = undefined;
      setTimeout(() => this.continueOrStop(), REQUEST_RETRY_DELAY_MS);
    }
  }

  private readonly onDone = (o: H2Outcome): void => {
    const done = performance.now();
    this.handle = undefined;
    this.tally.completedAll++;
    if (done >= this.window.from && done <= this.window.to) this.account(done, o);
    this.continueOrStop();
  };

  private continueOrStop(): void {
    if (this.window.running && !this.stopped) return this.issue();
    this.stopped = true;
    this.onIdle();
  }

  private account(done: number, o: H2Outcome): void {
    const t = this.tally;
    const us = (done - this.startedAt) * 1000;
    t.completed++;
    t.latency.record(us);
    t.byMethod[this.method].record(us);
    if (this.timedOut) return t.error('timeout (client cancelled)');
    if (o.error !== undefined && o.grpcStatus === undefined) return t.error(`http2 ${o.error}`);
    if (o.status !== 200) return t.error(`http-status ${o.status}`);
    if (o.grpcStatus === undefined) return t.error('no grpc-status');
    if (o.grpcStatus !== '0') {
      const n = Number(o.grpcStatus);
      return t.error(`grpc-status ${n} ${GRPC_STATUS_NAMES[n] ?? ''}`.trim());
    }
    const message = o.body === undefined ? undefined : unframe(o.body);
    if (message === undefined) return t.error('bad grpc frame');
    if (this.method === CHARGE_BATCH) {
      countBatchAnswers(t, message);
      t.maybeDecode(this.method, message);
      return;
    }
    const code = readVarintField(message, 0, message.length, RESULT_CODE_FIELD[METHOD_NAMES[this.method]]);
    t.results[this.method][code === undefined || code > RESULT_CODES_MAX ? RESULT_CODES_MAX : code]++;
    t.maybeDecode(this.method, message);
  }
}

/** Counts each item of a ChargeBatchResponse under its own method's result code, or its refusal. */
function countBatchAnswers(t: Tally, message: Buffer): void {
  try {
    const r = new BinaryReader(message);
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag >>> 3 !== 1 || (tag & 7) !== 2) {
        r.skip(tag & 7);
        continue;
      }
      const a = readItemAnswer(r.bytes());
      t.items++;
      if (a.method !== undefined) {
        const code = a.resultCode;
        t.results[METHOD_NAMES.indexOf(a.method)][code === undefined || code > RESULT_CODES_MAX ? RESULT_CODES_MAX : code]++;
      } else {
        t.error(`item grpc-status ${a.status ?? '?'} ${GRPC_STATUS_NAMES[a.status ?? -1] ?? ''}`.trim());
      }
    }
  } catch {
    t.error('bad ChargeBatchResponse');
  }
}

function makeUsers(cfg: WorkerConfig, conns: GrpcConnection[], tally: Tally, window: Window, onIdle: () => void): User[] {
  const templates = cfg.scenario === 'mix' ? mixTemplates(cfg.mix) : undefined;
  const ceilingFrame = grpcFrame(ceilingDebitMessage(cfg.mix.msisdnBase));
  const users: User[] = [];
  const unaryUser = (i: number) =>
    templates
      ? mixUser(templates, cfg.mix, cfg.runTag, cfg.worker, i, cfg.seed + cfg.worker * 100_003 + i * 7919)
      : ceilingUser(ceilingFrame);
  for (let i = 0; i < cfg.users; i++) {
    // Batched: each user is `batch` unary users (lanes) with ids of their own.
    const vu = cfg.batch > 1 ? batchUser(Array.from({ length: cfg.batch }, (_, lane) => unaryUser(i * cfg.batch + lane))) : unaryUser(i);
    users.push(new User(vu, conns[i % conns.length], tally, window, onIdle));
  }
  return users;
}

function resultsRecord(tally: Tally): Record<string, number> {
  const out: Record<string, number> = {};
  tally.results.forEach((codes, m) =>
    codes.forEach((n, code) => {
      if (n > 0) out[`${METHOD_NAMES[m]} ${code === RESULT_CODES_MAX ? 'OTHER/ABSENT' : resultCodeName(code)}`] = n;
    }),
  );
  return out;
}

async function run(cfg: WorkerConfig): Promise<void> {
  const [host, portStr] = splitTarget(cfg.target);
  const tally = new Tally();
  const conns = Array.from({ length: cfg.sessions }, () =>
    openConnection(cfg.client, host, Number(portStr), cfg.target, (k) => tally.error(k)),
  );
  await Promise.all(conns.map((c) => c.ready()));
  const window: Window = { from: Infinity, to: -Infinity, running: false };
  let idle = 0;
  let finish: () => void = () => undefined;
  const allIdle = new Promise<void>((r) => (finish = r));
  const users = makeUsers(cfg, conns, tally, window, () => {
    if (++idle === users.length) finish();
  });
  send({ type: 'ready', worker: cfg.worker });
  const start = await nextMessage('start');
  const t0 = performance.now();
  window.from = t0 + start.warmupMs;
  window.to = window.from + start.durationMs;
  window.running = true;
  const sweep = setInterval(() => {
    const now = performance.now();
    for (const u of users) u.sweep(now, cfg.requestTimeoutMs);
  }, TIMEOUT_SWEEP_MS);
  for (const u of users) u.start();
  await sleep(start.warmupMs);
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const measuredFrom = performance.now();
  await sleep(Math.max(0, window.to - performance.now()));
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  const windowMs = performance.now() - measuredFrom;
  window.running = false;
  await Promise.race([allIdle, sleep(cfg.requestTimeoutMs + 1000)]);
  clearInterval(sweep);
  const result: WorkerResult = {
    type: 'result',
    worker: cfg.worker,
    completed: tally.completed,
    items: tally.items,
    completedAll: tally.completedAll,
    latency: tally.latency.toData(),
    byMethod: Object.fromEntries(tally.byMethod.flatMap((h, i) => (h.total > 0 ? [[String(i), h.toData()]] : []))),
    errors: Object.fromEntries(tally.errors),
    results: resultsRecord(tally),
    cpuUs: cpu.user + cpu.system,
    elu: elu.utilization,
    windowMs,
    decodeChecks: tally.decodeChecks,
    decodeFailures: tally.decodeFailures,
  };
  send(result);
  for (const c of conns) c.close();
}

export function splitTarget(target: string): [string, string] {
  const i = target.lastIndexOf(':');
  if (i <= 0) throw new Error(`target must be host:port, got ${target}`);
  return [target.slice(0, i).replace(/^\[|\]$/g, ''), target.slice(i + 1)];
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

const pending: ToWorker[] = [];
const waiters: Array<(m: ToWorker) => void> = [];
process.on('message', (m: ToWorker) => {
  const w = waiters.shift();
  if (w) w(m);
  else pending.push(m);
});

function nextMessage<T extends ToWorker['type']>(type: T): Promise<Extract<ToWorker, { type: T }>> {
  return new Promise((resolve, reject) => {
    const take = (m: ToWorker) =>
      m.type === type ? resolve(m as Extract<ToWorker, { type: T }>) : reject(new Error(`expected ${type}, got ${m.type}`));
    const m = pending.shift();
    if (m) take(m);
    else waiters.push(take);
  });
}

if (require.main === module) {
  // The coordinator going away (crash, Ctrl-C) ends this worker too.
  process.on('disconnect', () => process.exit(0));
  nextMessage('config')
    .then((cfg) =>
      run(cfg).catch((e: unknown) => {
        send({ type: 'failed', worker: cfg.worker, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      }),
    )
    .then(() => setTimeout(() => process.exit(0), 100));
}
