import { ConfigError } from '@app/config';
import { loadInvoicingConfig, loadInvoicingProcessConfig, printableConfig } from './config';

const base = { NATS_URL: 'nats://127.0.0.1:4222', CLICKHOUSE_URL: 'http://127.0.0.1:8123', RATEL_API_KEYS: 'k1' };

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
    ['RATEL_INVOICING_ROLES', { RATEL_INVOICING_ROLES: 'sink,billing' }],
    ['RATEL_INVOICING_ROLES', { RATEL_INVOICING_ROLES: 'api,api' }],
    ['RATEL_INVOICING_ROLES', { RATEL_INVOICING_ROLES: '' }],
    ['INVOICING_HTTP_PORT', { INVOICING_HTTP_PORT: '-1' }],
    ['RATEL_API_KEYS/RATEL_JWT_SECRET', { RATEL_API_KEYS: ' , ' }],
    ['RATEL_API_KEYS/RATEL_JWT_SECRET', { RATEL_API_KEYS: undefined, RATEL_INVOICING_ROLES: 'api' }],
    ['ASSURANCE_STREAM', { ASSURANCE_STREAM: 'A.B' }],
    ['ASSURANCE_SUBJECT_PREFIX', { ASSURANCE_SUBJECT_PREFIX: 'ratel.rated.>' }],
    ['ASSURANCE_EVENTS_MAX', { ASSURANCE_EVENTS_MAX: '0' }],
    ['ASSURANCE_ACCOUNTS_REPORTED_MAX', { ASSURANCE_ACCOUNTS_REPORTED_MAX: '1001' }],
  ])('stops with a message naming %s', (name, patch) => {
    const env = { ...base, ...patch } as NodeJS.ProcessEnv;
    expect(() => loadInvoicingProcessConfig(env)).toThrow(ConfigError);
    expect(() => loadInvoicingProcessConfig(env)).toThrow(name);
  });

  it('never prints credentials', () => {
    const c = loadInvoicingConfig({
      NATS_URL: 'nats://u:natspw@h:4222',
      CLICKHOUSE_URL: 'http://ratel:chpw@h:8123',
      RATEL_API_KEYS: 'key-secret',
      RATEL_JWT_SECRET: 'jwt-secret',
    });
    const text = JSON.stringify(printableConfig(c));
    for (const secret of ['natspw', 'chpw', 'key-secret', 'jwt-secret']) expect(text).not.toContain(secret);
  });

  it('runs both roles by default; the sink alone and the tools need no API credentials', () => {
    expect(loadInvoicingProcessConfig(base)).toMatchObject({
      RATEL_INVOICING_ROLES: ['sink', 'api'],
      INVOICING_HTTP_PORT: 8081,
      ASSURANCE_STREAM: 'RATEL_RATED',
    });
    const sinkOnly = { NATS_URL: base.NATS_URL, CLICKHOUSE_URL: base.CLICKHOUSE_URL, RATEL_INVOICING_ROLES: 'sink' };
    expect(loadInvoicingProcessConfig(sinkOnly).RATEL_INVOICING_ROLES).toEqual(['sink']);
    expect(loadInvoicingConfig({ NATS_URL: base.NATS_URL, CLICKHOUSE_URL: base.CLICKHOUSE_URL, SINK_STREAM: 'S1' }).ASSURANCE_STREAM).toBe(
      'S1',
    );
    expect(loadInvoicingProcessConfig({ ...base, RATEL_API_KEYS: undefined, RATEL_JWT_SECRET: 's' }).RATEL_JWT_SECRET).toBe('s');
  });
});
