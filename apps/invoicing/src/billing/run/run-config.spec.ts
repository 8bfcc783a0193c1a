import { ConfigError } from '@app/config';
import { loadInvoiceRunConfig, RUN_WORKERS_MAX } from './run-config';
import { RUN_SHARDS_MAX } from './run-phases';

const BASE = { DATABASE_URL: 'postgres://h/db', NATS_URL: 'nats://h:4222', CLICKHOUSE_URL: 'http://h:8123' };

describe('loadInvoiceRunConfig', () => {
  it('has defaults for everything but the three servers', () => {
    expect(loadInvoiceRunConfig(BASE)).toMatchObject({
      CLICKHOUSE_DATABASE: 'ratel',
      SINK_STREAM: 'RATEL_RATED',
      SINK_CONSUMER: 'invoicing-clickhouse-sink',
      INVOICE_RUN_SHARDS: 8,
      INVOICE_RUN_WORKERS: 2,
      INVOICE_RUN_LEASE_MS: 30_000,
    });
  });

  it.each([
    [{ DATABASE_URL: undefined }, 'DATABASE_URL'],
    [{ INVOICE_RUN_SHARDS: String(RUN_SHARDS_MAX + 1) }, 'INVOICE_RUN_SHARDS'],
    [{ INVOICE_RUN_SHARDS: '0' }, 'INVOICE_RUN_SHARDS'],
    [{ INVOICE_RUN_WORKERS: String(RUN_WORKERS_MAX + 1) }, 'INVOICE_RUN_WORKERS'],
    [{ INVOICE_RUN_LEASE_MS: '10' }, 'INVOICE_RUN_LEASE_MS'],
    [{ CLICKHOUSE_DATABASE: 'x; drop' }, 'CLICKHOUSE_DATABASE'],
    [{ SINK_CONSUMER: 'a.b' }, 'SINK_CONSUMER'],
  ])('refuses %j naming %s', (change, name) => {
    expect(() => loadInvoiceRunConfig({ ...BASE, ...change })).toThrow(ConfigError);
    expect(() => loadInvoiceRunConfig({ ...BASE, ...change })).toThrow(name);
  });
});
