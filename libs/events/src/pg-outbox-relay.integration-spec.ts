/**
 * PgOutboxRelay against real PostgreSQL and NATS JetStream: order, exactly one message per row
 * across a lost "published" mark (a relay killed between the ack and the update), a refused publish
 * that holds back the rows after it, two relays on one table, and batch rows (several events in one
 * row) between plain ones.
 */
import { createLogger } from '@app/observability';
import { migrate } from '@app/db';
import { createTestDatabase, requireEnv, uniqueId, waitFor } from '@app/devstack';
import { connect, type JetStreamManager, type NatsConnection, StorageType } from 'nats';
import { Pool } from 'pg';
import { PgOutboxRelay } from './pg-outbox-relay';

const logger = createLogger('outbox-test', 'silent');

describe('PgOutboxRelay', () => {
  let pool: Pool;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const stream = uniqueId('OUTBOX').toUpperCase().replace(/-/g, '_');
  const subject = (s: string) => `${stream}.${s}`;

  beforeAll(async () => {
    // Migrated: the relay reads batch rows through the schema's function outbox_events.
    const url = await createTestDatabase('outboxrelay');
    await migrate(url);
    pool = new Pool({ connectionString: url, max: 6 });
    nc = await connect({ servers: requireEnv('NATS_URL') });
    jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [`${stream}.>`], storage: StorageType.Memory });
  });
  afterAll(async () => {
    await jsm?.streams.delete(stream).catch(() => undefined);
    await nc?.close();
    await pool?.end();
  });

  async function outbox(rows: number, subjectOf: (i: number) => string = () => subject('doc')): Promise<string> {
    const table = uniqueId('outbox').replace(/-/g, '_').toLowerCase();
    await pool.query(`create table ${table} (id bigserial primary key, event_id text not null unique, subject text,
      payload jsonb, events jsonb, created_at timestamptz not null default now(), published_at timestamptz null)`);
    await pool.query(
      `insert into ${table} (event_id, subject, payload) select $1 || '-' || i, ($2::text[])[i], jsonb_build_object('n', i) from generate_series(1, $3) i`,
      [table, Array.from({ length: rows }, (_, i) => subjectOf(i + 1)), rows],
    );
    return table;
  }

  async function messagesOf(table: string): Promise<{ id: string; n: number }[]> {
    const out: { id: string; n: number }[] = [];
    const info = await jsm.streams.info(stream);
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
      const id = m?.header.get('Nats-Msg-Id') ?? '';
      if (m && id.startsWith(`${table}-`)) out.push({ id, n: (m.json() as { n: number }).n });
    }
    return out;
  }

  const unpublished = async (table: string) =>
    Number((await pool.query(`select count(*) from ${table} where published_at is null`)).rows[0].count);

  it('publishes every row once, in the order written, and marks it published', async () => {
    const table = await outbox(1_200);
    const relay = new PgOutboxRelay({ pool, nats: nc, table, logger, nowMs: Date.now, batchMax: 500 });
    relay.start();
    try {
      await waitFor('the outbox emptied', async () => (await unpublished(table)) === 0, 20_000);
    } finally {
      await relay.stop();
    }
    const msgs = await messagesOf(table);
    expect(msgs.map((m) => m.n)).toEqual(Array.from({ length: 1_200 }, (_, i) => i + 1));
    expect(relay.snapshot.published).toBe(1_200);
  });

  it('publishes a row whose mark was lost again, and JetStream keeps one message', async () => {
    const table = await outbox(50);
    const relay = new PgOutboxRelay({ pool, nats: nc, table, logger, nowMs: Date.now });
    expect(await relay.drain()).toBe(50);
    // The relay was killed after JetStream acknowledged rows 11-50 but before it marked them.
    await pool.query(`update ${table} set published_at = null where id > 10`);
    expect(await relay.drain()).toBe(40);
    expect(await unpublished(table)).toBe(0);
    expect((await messagesOf(table)).map((m) => m.n)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('holds back the rows after a refused publish, and goes on once it can be published', async () => {
    const nowhere = `${uniqueId('nowhere')}.doc`;
    const table = await outbox(10, (i) => (i === 4 ? nowhere : subject('doc')));
    const relay = new PgOutboxRelay({ pool, nats: nc, table, logger, nowMs: Date.now });
    await expect(relay.drain()).rejects.toThrow(`${table}-4`);
    expect(Number((await pool.query(`select max(id) from ${table} where published_at is not null`)).rows[0].max)).toBe(3);
    expect(await unpublished(table)).toBe(7);
    await pool.query(`update ${table} set subject = $1 where id = 4`, [subject('doc')]);
    expect(await relay.drain()).toBe(7);
    expect((await messagesOf(table)).map((m) => m.n)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
  });

  it('lets one of two relays on a table publish at a time, so the order holds', async () => {
    const table = await outbox(2_000);
    const a = new PgOutboxRelay({ pool, nats: nc, table, logger, nowMs: Date.now, batchMax: 100 });
    const b = new PgOutboxRelay({ pool, nats: nc, table, logger, nowMs: Date.now, batchMax: 100 });
    a.start();
    b.start();
    try {
      await waitFor('the outbox emptied', async () => (await unpublished(table)) === 0, 30_000);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    expect((await messagesOf(table)).map((m) => m.n)).toEqual(Array.from({ length: 2_000 }, (_, i) => i + 1));
    expect([a.snapshot.published, b.snapshot.published].sort((x, y) => x - y)).toEqual([0, 2_000]);
  });

  it("publishes a batch row's events in order, each once under its own id, and marks the row only when all are acknowledged", async () => {
    const nowhere = `${uniqueId('nowhere')}.doc`;
    const table = await outbox(2);
    // Rows 1 and 2 plain (events 1, 2), row 3 a batch of events 3-6 (the 5th to a subject no stream takes), row 4 plain (7).
    const batch = (badAt: number) =>
      JSON.stringify(
        [3, 4, 5, 6].map((n) => ({ eventId: `${table}-${n}`, subject: n === badAt ? nowhere : subject('doc'), payload: { n } })),
      );
    await pool.query(`insert into ${table} (event_id, events) values ($1, $2::jsonb)`, [`${table}-3`, batch(5)]);
    await pool.query(`insert into ${table} (event_id, subject, payload) values ($1, $2, '{"n": 7}'::jsonb)`, [
      `${table}-7`,
      subject('doc'),
    ]);
    const relay = new PgOutboxRelay({ pool, nats: nc, table, logger, nowMs: Date.now });
    await expect(relay.drain()).rejects.toThrow(`${table}-5`);
    // Events 3 and 4 went out, but the batch row is not marked: it is published again, whole.
    expect((await pool.query(`select id::int from ${table} where published_at is null order by id`)).rows).toEqual([{ id: 3 }, { id: 4 }]);
    await pool.query(`update ${table} set events = $1::jsonb where id = 3`, [batch(0)]);
    expect(await relay.drain()).toBe(2);
    expect(await unpublished(table)).toBe(0);
    const msgs = await messagesOf(table);
    expect(msgs.map((m) => m.n)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(msgs.map((m) => m.id)).toEqual([1, 2, 3, 4, 5, 6, 7].map((n) => `${table}-${n}`));
  });

  it('holds a batch row with an event that lacks its subject, naming the row, and publishes nothing after it', async () => {
    const table = await outbox(1);
    const events = [{ eventId: `${table}-2`, payload: { n: 2 } }];
    await pool.query(`insert into ${table} (event_id, events) values ($1, $2::jsonb)`, [`${table}-2`, JSON.stringify(events)]);
    await pool.query(`insert into ${table} (event_id, subject, payload) values ($1, $2, '{"n": 3}'::jsonb)`, [
      `${table}-3`,
      subject('doc'),
    ]);
    const relay = new PgOutboxRelay({ pool, nats: nc, table, logger, nowMs: Date.now });
    await expect(relay.drain()).rejects.toThrow(`row 2 of ${table} holds an event without eventId, subject or payload`);
    expect(await unpublished(table)).toBe(2);
    expect((await messagesOf(table)).map((m) => m.n)).toEqual([1]);
  });
});
