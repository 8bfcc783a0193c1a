import { Registry } from 'prom-client';
import { GrpcMetrics } from './grpc-metrics';

describe('GrpcMetrics', () => {
  async function series(registry: Registry) {
    const requests = (await registry.getSingleMetric('ratel_grpc_requests_total')!.get()).values.map((v) => [v.labels, v.value]);
    const duration = (await registry.getSingleMetric('ratel_grpc_request_duration_seconds')!.get()).values
      .filter((v) => (v as { metricName?: string }).metricName === 'ratel_grpc_request_duration_seconds_count')
      .map((v) => [v.labels, v.value]);
    return { requests, duration };
  }

  it('counts and times through bound children exactly as through observe(method, ...)', async () => {
    const registry = new Registry();
    const metrics = new GrpcMetrics(registry);
    const debit = metrics.forMethod('DebitEvent');
    expect(metrics.forMethod('DebitEvent')).toBe(debit);
    const started = process.hrtime.bigint();
    debit.observe('SUCCESS', started);
    debit.observe('SUCCESS', started);
    debit.observe('INVALID_ARGUMENT', started);
    metrics.observe('DebitEvent', 'SUCCESS', started);
    metrics.observe('StartSession', 'USER_UNKNOWN', started);
    const { requests, duration } = await series(registry);
    expect(requests).toEqual(
      expect.arrayContaining([
        [{ method: 'DebitEvent', result: 'SUCCESS' }, 3],
        [{ method: 'DebitEvent', result: 'INVALID_ARGUMENT' }, 1],
        [{ method: 'StartSession', result: 'USER_UNKNOWN' }, 1],
      ]),
    );
    expect(requests).toHaveLength(3);
    expect(duration).toEqual(
      expect.arrayContaining([
        [{ method: 'DebitEvent' }, 4],
        [{ method: 'StartSession' }, 1],
      ]),
    );
  });

  it('keeps counting after the registry is reset', async () => {
    const registry = new Registry();
    const metrics = new GrpcMetrics(registry);
    const debit = metrics.forMethod('DebitEvent');
    debit.observe('SUCCESS', process.hrtime.bigint());
    registry.resetMetrics();
    debit.observe('SUCCESS', process.hrtime.bigint());
    const { requests, duration } = await series(registry);
    expect(requests).toEqual([[{ method: 'DebitEvent', result: 'SUCCESS' }, 1]]);
    expect(duration).toEqual([[{ method: 'DebitEvent' }, 1]]);
  });
});
