import { ConfigError, redactConfig } from '@app/config';
import { loadChargingConfig } from './config';

const base = {
  REDIS_URL: 'redis://127.0.0.1:6390',
  NATS_URL: 'nats://127.0.0.1:4232',
  DATABASE_URL: 'postgres://ratel@127.0.0.1:5442/ratel',
  RATEL_GRPC_INSECURE: 'true',
  RATEL_API_KEYS: 'k1,k2',
};

describe('charging config', () => {
  it('reads a valid environment with defaults', () => {
    const cfg = loadChargingConfig(base);
    expect(cfg.RATEL_GRPC_PORT).toBe(50051);
    expect(cfg.RATEL_GRPC_INSECURE).toBe(true);
    expect(cfg.RATEL_REDIS_PREFIX).toBe('ratel:');
  });

  it.each([
    ['REDIS_URL', { REDIS_URL: undefined }],
    ['REDIS_URL', { REDIS_URL: 'not a url' }],
    ['RATEL_GRPC_PORT', { RATEL_GRPC_PORT: '70000' }],
    ['RATEL_GRPC_INSECURE', { RATEL_GRPC_INSECURE: 'yes' }],
    ['RATEL_REDIS_PREFIX', { RATEL_REDIS_PREFIX: 'has space' }],
    ['RATEL_GRPC_TLS_CERT', { RATEL_GRPC_INSECURE: 'false' }],
    ['RATEL_API_KEYS', { RATEL_API_KEYS: '' }],
  ])('stops with a message naming %s', (name, patch) => {
    const env = { ...base, ...patch } as NodeJS.ProcessEnv;
    expect(() => loadChargingConfig(env)).toThrow(ConfigError);
    expect(() => loadChargingConfig(env)).toThrow(name);
  });

  it('masks secrets in the start-up log', () => {
    const shown = redactConfig(loadChargingConfig({ ...base, RATEL_JWT_SECRET: 's3cret' }) as unknown as Record<string, unknown>);
    expect(JSON.stringify(shown)).not.toContain('s3cret');
    expect(JSON.stringify(shown)).not.toContain('k1,k2');
    expect(shown.DATABASE_URL).toBe('***');
  });
});
