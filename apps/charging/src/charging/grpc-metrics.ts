/**
 * Metrics of the charging gRPC API on the app's registry:
 * `ratel_grpc_requests_total{method,result}`: result is the answer's ResultCode name
 * (SUCCESS, CREDIT_LIMIT_REACHED...) or the gRPC status name of a refused call (INVALID_ARGUMENT...).
 * `ratel_grpc_request_duration_seconds{method}`: from the request reaching its handler to the answer.
 */
import { Counter, Histogram, Registry } from 'prom-client';

/** From 0.5 ms (a Redis round trip on localhost) to 2.5 s (far beyond any client timeout). */
export const GRPC_DURATION_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export class GrpcMetrics {
  readonly requests: Counter<'method' | 'result'>;
  readonly duration: Histogram<'method'>;

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: 'ratel_grpc_requests_total',
      help: 'Charging gRPC calls by method and result (ResultCode of an answer, gRPC status of a refusal)',
      labelNames: ['method', 'result'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'ratel_grpc_request_duration_seconds',
      help: 'Charging gRPC call duration in seconds, by method',
      labelNames: ['method'],
      buckets: GRPC_DURATION_BUCKETS_SECONDS,
      registers: [registry],
    });
  }

  /** One finished call: counted under its result, timed since `startedNs` (process.hrtime.bigint()). */
  observe(method: string, result: string, startedNs: bigint): void {
    this.forMethod(method).observe(result, startedNs);
  }

  /**
   * The recorder of one method, with its label children bound once (.labels()) instead of a label
   * object built and checked per call. The same series as observe(method, ...), on the same metrics.
   */
  forMethod(method: string): MethodMetrics {
    let recorder = this.methods.get(method);
    if (!recorder) {
      recorder = new BoundMethodMetrics(method, this.requests, this.duration);
      this.methods.set(method, recorder);
    }
    return recorder;
  }

  private readonly methods = new Map<string, MethodMetrics>();
}

export interface MethodMetrics {
  observe(result: string, startedNs: bigint): void;
}

class BoundMethodMetrics implements MethodMetrics {
  private readonly duration: Histogram.Internal<'method'>;
  /** Counter child per result label; results are ResultCode and gRPC status names, a few dozen at most. */
  private readonly results = new Map<string, Counter.Internal>();

  constructor(
    private readonly method: string,
    private readonly requests: Counter<'method' | 'result'>,
    duration: Histogram<'method'>,
  ) {
    this.duration = duration.labels(method);
  }

  observe(result: string, startedNs: bigint): void {
    let counter = this.results.get(result);
    if (!counter) {
      counter = this.requests.labels(this.method, result);
      this.results.set(result, counter);
    }
    counter.inc();
    this.duration.observe(Number(process.hrtime.bigint() - startedNs) / 1e9);
  }
}
