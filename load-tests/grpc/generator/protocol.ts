/** Messages between the generator's coordinator and its worker processes (over fork IPC). */
import type { HistogramData } from '../../lib/histogram';
import type { MixOptions, ScenarioName } from '../scenarios';
import type { ClientKind } from './connections';

export interface WorkerConfig {
  type: 'config';
  worker: number;
  target: string; // host:port
  client: ClientKind;
  sessions: number; // HTTP/2 connections of this worker
  users: number; // virtual users (requests in flight) of this worker
  scenario: ScenarioName;
  mix: MixOptions;
  runTag: string;
  seed: number;
  requestTimeoutMs: number;
  /** Requests per call: 1 = the unary RPCs; N > 1 = ChargeBatch calls of N items. */
  batch: number;
}

export interface WorkerStart {
  type: 'start';
  warmupMs: number;
  durationMs: number;
}

export interface WorkerReady {
  type: 'ready';
  worker: number;
}

export interface WorkerResult {
  type: 'result';
  worker: number;
  /** Completed in the measurement window, whatever their outcome. */
  completed: number;
  /** ChargeBatch items answered in the window (0 when unary). */
  items: number;
  /** Every answer including warm-up and drain. */
  completedAll: number;
  /** Latency of every request completed in the window. */
  latency: HistogramData;
  /** Latency per method (index of METHOD_NAMES), only methods that were called. */
  byMethod: Record<string, HistogramData>;
  /** Outcomes that are not gRPC status OK: "grpc-status 14", "timeout", "http2 <code>"... */
  errors: Record<string, number>;
  /** Charging result codes of OK answers, "<Method> <RESULT>". */
  results: Record<string, number>;
  /** CPU this worker used during the window, in µs (user + system). */
  cpuUs: number;
  /** Event-loop utilisation during the window (1 = the worker never waited: it was the bottleneck). */
  elu: number;
  /** Window length actually measured by this worker, ms. */
  windowMs: number;
  /** Responses decoded in full with the generated decoder to prove they are valid; failures. */
  decodeChecks: number;
  decodeFailures: string[];
}

export interface WorkerFailed {
  type: 'failed';
  worker: number;
  error: string;
}

export type ToWorker = WorkerConfig | WorkerStart;
export type FromWorker = WorkerReady | WorkerResult | WorkerFailed;
