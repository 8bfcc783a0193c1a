import { ConfigError } from '@app/config';
import { loadInvoicingConfig, printableConfig } from './config';

const base = { NATS_URL: 'nats://127.0.0.1:4222', CLICKHOUSE_URL: 'http://127.0.0.1:8123' };

describe('invoicing config', () => {
  it('reads a valid environment with defaults', () => {
    const c = loadInvoicingConfig(base);
    expect(c).toMatchObject({
      CLICKHOUSE_DATABASE: 'ratel',
      SINK_STREAM: 'RATEL_RATED',
      SINK_BATCH_MAX: 1000,
      SINK_FETCH_WAIT_MS: 1000,
      SINK_MIGRATE: true,
      SINK_FILTER_SUBJECT: '',
    });
  });

  it.each([
    ['NATS_URL', { NATS_URL: undefined }],
    ['CLICKHOUSE_URL', { CLICKHOUSE_URL: undefined }],
    ['CLICKHOUSE_URL', { CLICKHOUSE_URL: 'not a url' }],
    ['CLICKHOUSE_DATABASE', { CLICKHOUSE_DATABASE: 'ratel; DROP DATABASE x' }],
    ['SINK_STREAM', { SINK_STREAM: 'RATEL.RATED' }],
    ['SINK_CONSUMER', { SINK_CONSUMER: 'a b' }],
    ['SINK_BATCH_MAX', { SINK_BATCH_MAX: '0' }],
    ['SINK_BATCH_MAX', { SINK_BATCH_MAX: '10001' }],
    ['SINK_FETCH_WAIT_MS', { SINK_FETCH_WAIT_MS: '999' }],
    ['SINK_ACK_WAIT_MS', { SINK_ACK_WAIT_MS: '31000' }],
    ['SINK_ACK_WAIT_MS', { SINK_ACK_WAIT_MS: '5000', SINK_INSERT_TIMEOUT_MS: '4000' }],
    ['SINK_INSERT_TIMEOUT_MS', { SINK_INSERT_TIMEOUT_MS: '100' }],
    ['SINK_MIGRATE', { SINK_MIGRATE: 'yes' }],
    ['SINK_METRICS_PORT', { SINK_METRICS_PORT: '70000' }],
  ])('stops with a message naming %s', (name, patch) => {
    const env = { ...base, ...patch } as NodeJS.ProcessEnv;
    expect(() => loadInvoicingConfig(env)).toThrow(ConfigError);
    expect(() => loadInvoicingConfig(env)).toThrow(name);
  });

  it('never prints credentials', () => {
    const c = loadInvoicingConfig({ NATS_URL: 'nats://u:natspw@h:4222', CLICKHOUSE_URL: 'http://ratel:chpw@h:8123' });
    const text = JSON.stringify(printableConfig(c));
    expect(text).not.toContain('natspw');
    expect(text).not.toContain('chpw');
  });
});
