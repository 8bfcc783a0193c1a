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

  observe(method: string, result: string, startedNs: bigint): void {
    this.requests.inc({ method, result });
    this.duration.observe({ method }, Number(process.hrtime.bigint() - startedNs) / 1e9);
  }
}
