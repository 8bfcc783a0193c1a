import Redis from 'ioredis';
import { connect } from 'nats';
import { Client } from 'pg';
import { createTestDatabase, requireEnv } from './test-helpers';

describe('devstack servers', () => {
  it('gives every spec a working Redis, JetStream and PostgreSQL', async () => {
    const redis = new Redis(requireEnv('REDIS_URL'));
    expect(await redis.ping()).toBe('PONG');
    redis.disconnect();
    const nc = await connect({ servers: requireEnv('NATS_URL') });
    const jsm = await nc.jetstreamManager();
    const info = await jsm.getAccountInfo();
    expect(info.limits).toBeDefined();
    await nc.close();
    const pg = new Client({ connectionString: await createTestDatabase() });
    await pg.connect();
    const r = await pg.query('SELECT 1 AS one');
    expect(r.rows[0].one).toBe(1);
    await pg.end();
  });
});
