/**
 * The balance journal against a real NATS JetStream stream (a stream of the spec's own on the
 * test server) and a fresh PostgreSQL database: exactly once across catch-ups, redeliveries and
 * concurrent appliers; lost and invalid events counted; one reader at a time.
 */
import {
  connect,
  DiscardPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type NatsConnection,
  RetentionPolicy,
  StorageType,
} from 'nats';
import { Client } from 'pg';
import { Registry } from 'prom-client';
import { createTestDatabase, requireEnv, uniqueId, waitFor } from '@app/devstack';
import { migrate } from '@app/db';
import type { RatedEvent } from '@app/events';
import { createLogger, systemClock } from '@app/observability';
import { BalanceJournal } from './balance-journal';
import { journalEvent, openingEvent } from './testing/rated-events';

let nc: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;
let databaseUrl: string;
let pg: Client;
const journals: BalanceJournal[] = [];

function journal(stream: string, registry = new Registry()): BalanceJournal {
  const j = new BalanceJournal({ nc, databaseUrl, stream, registry, logger: createLogger('journal-spec', 'silent'), clock: systemClock });
  journals.push(j);
  return j;
}

/** A stream of its own (subjects `<stream>.<accountId>`). */
async function newStream(): Promise<string> {
  const name = uniqueId('JRN').toUpperCase();
  await jsm.streams.add({
    name,
    subjects: [`${name}.>`],
    storage: StorageType.Memory,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.New,
  });
  return name;
}

async function publish(stream: string, events: RatedEvent[]): Promise<void> {
  for (const e of events) await js.publish(`${stream}.${e.accountId}`, JSON.stringify(e), { msgID: e.eventId });
}

async function balances(): Promise<Record<string, string>> {
  const r = await pg.query<{ account_id: string; balance_micros: string }>(
    'select account_id, balance_micros from account_journal order by account_id',
  );
  return Object.fromEntries(r.rows.map((x) => [x.account_id, x.balance_micros]));
}

/** Every message of the stream, as an ordered consumer delivers them (a redelivery, for applyBatch). */
async function readAll(stream: string): Promise<JsMsg[]> {
  const c = await js.consumers.get(stream);
  const out: JsMsg[] = [];
  const last = (await jsm.streams.info(stream)).state.last_seq;
  while (out.length === 0 || out[out.length - 1].seq < last) {
    for await (const m of await c.fetch({ max_messages: 100, expires: 1000 })) out.push(m);
  }
  await c.delete();
  return out;
}

beforeAll(async () => {
  nc = await connect({ servers: requireEnv('NATS_URL') });
  js = nc.jetstream();
  jsm = await nc.jetstreamManager();
  databaseUrl = await createTestDatabase('journal');
  await migrate(databaseUrl);
  pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
});

afterEach(async () => {
  await Promise.all(journals.splice(0).map((j) => j.stop()));
  await pg.query('truncate journal_position, account_journal, bucket_journal, cycle_journal, journal_parked_event');
});

afterAll(async () => {
  await pg?.end();
  await nc?.close();
});

describe('BalanceJournal', () => {
  it('catches up once: balances, consumed units and tier counters; a second catch-up and a redelivery change nothing', async () => {
    const stream = await newStream();
    await publish(stream, [
      openingEvent('acc-a', 10_000_000),
      journalEvent({
        accountId: 'acc-a',
        amountMicros: '1500000',
        balanceAfterMicros: '8500000',
        billableUnits: 180,
        allowanceUnits: 60,
        allowances: [{ bucketId: 'voice', units: 60 }],
      }),
      journalEvent({
        accountId: 'acc-a',
        type: 'REFUND',
        amountMicros: '-500000',
        balanceAfterMicros: '9000000',
        billableUnits: 40,
        allowanceUnits: 10,
        allowances: [{ bucketId: 'voice', units: 10 }],
        cycleUnits: 30,
      }),
      openingEvent('acc-b', 1_000),
      journalEvent({
        accountId: 'acc-b',
        amountMicros: '1000',
        balanceAfterMicros: '0',
        billableUnits: 1,
        ratingGroup: 30,
        unit: 'EVENTS',
      }),
    ]);
    const j = journal(stream);
    const report = await j.catchUp();
    expect(report).toMatchObject({ streamLastSeq: 5, position: { lastSeq: 5, eventsApplied: 5, eventsInvalid: 0, eventsLost: 0 } });
    const expected = { 'acc-a': '9000000', 'acc-b': '0' };
    expect(await balances()).toEqual(expected);
    expect((await pg.query('select bucket_id, consumed_units from bucket_journal')).rows).toEqual([
      { bucket_id: 'voice', consumed_units: '50' },
    ]);
    expect((await pg.query('select account_id, cycle_id, rating_group, units from cycle_journal order by account_id')).rows).toEqual([
      { account_id: 'acc-a', cycle_id: '2026-11', rating_group: '10', units: '90' },
      { account_id: 'acc-b', cycle_id: '2026-11', rating_group: '30', units: '1' },
    ]);
    expect(await j.restores(['acc-a', 'acc-c'])).toEqual(
      new Map([['acc-a', { balanceMicros: 9_000_000n, cycle: { cycleId: '2026-11', units: [{ ratingGroup: 10, units: 90 }] } }]]),
    );
    expect(await j.consumed(['acc-a'])).toEqual(new Map([['acc-a|voice', 50]]));

    expect((await j.catchUp()).position.eventsApplied).toBe(5);
    await j.applyMessages(await readAll(stream));
    expect(await balances()).toEqual(expected);
    expect((await j.position()).eventsApplied).toBe(5);
  });

  it('two journals catching up at the same time apply each event once', async () => {
    const stream = await newStream();
    const events = [openingEvent('acc-c', 1_000_000)];
    for (let i = 1; i <= 300; i++)
      events.push(
        journalEvent({ accountId: 'acc-c', amountMicros: '1000', balanceAfterMicros: String(1_000_000 - i * 1000), billableUnits: 1 }),
      );
    await publish(stream, events);
    const [a, b] = [journal(stream), journal(stream)];
    await Promise.all([a.catchUp(), b.catchUp()]);
    expect(await balances()).toEqual({ 'acc-c': '700000' });
    expect((await pg.query('select units from cycle_journal')).rows).toEqual([{ units: '300' }]);
    expect(await a.position()).toMatchObject({ lastSeq: 301, eventsApplied: 301 });
  });

  it('counts events the stream removed unread as lost and invalid ones as invalid, and goes on', async () => {
    const stream = await newStream();
    await publish(stream, [
      openingEvent('acc-d', 5_000),
      journalEvent({ accountId: 'acc-d', amountMicros: '1000', balanceAfterMicros: '4000' }),
    ]);
    await js.publish(`${stream}.acc-d`, '{"schema":"ratel.rated.v1","type":"DEBIT"}');
    await js.publish(`${stream}.acc-d`, 'not json');
    await publish(stream, [
      journalEvent({ accountId: 'acc-d', amountMicros: '1000', balanceAfterMicros: '3000' }),
      journalEvent({ accountId: 'acc-d', amountMicros: '1000', balanceAfterMicros: '2000' }),
    ]);
    await jsm.streams.deleteMessage(stream, 2);
    await jsm.streams.deleteMessage(stream, 5);
    const registry = new Registry();
    const report = await journal(stream, registry).catchUp();
    expect(report.position).toMatchObject({ lastSeq: 6, eventsApplied: 2, eventsInvalid: 2, eventsLost: 2 });
    expect(await balances()).toEqual({ 'acc-d': '4000' });
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/ratel_journal_events_total\{outcome="lost"\} 2/);
    expect(metrics).toMatch(/ratel_journal_events_total\{outcome="invalid"\} 2/);
    expect(metrics).toMatch(/ratel_journal_balance_mismatches_total 1/);
    expect(metrics).toMatch(/ratel_journal_parked_total\{reason="invalid_schema"\} 2/);
    const parked = await pg.query(
      'select stream_seq, reason, convert_from(payload, $1) as payload from journal_parked_event where stream = $2 order by stream_seq',
      ['UTF8', stream],
    );
    expect(parked.rows).toEqual([
      { stream_seq: '3', reason: 'invalid_schema', payload: '{"schema":"ratel.rated.v1","type":"DEBIT"}' },
      { stream_seq: '4', reason: 'invalid_schema', payload: 'not json' },
    ]);
  });

  it('parks an event beyond a journal limit once, with its reason, and the stream goes on for every account', async () => {
    const stream = await newStream();
    // Passes the schema, but takes the balance beyond 2^53 - 1 micros (account_journal's CHECK).
    const tooMuch = journalEvent({
      accountId: 'acc-p',
      type: 'TOPUP',
      amountMicros: '-9007199254740991',
      balanceAfterMicros: '9007199254740991',
      unit: 'MONEY',
    });
    await publish(stream, [
      openingEvent('acc-p', 5_000),
      tooMuch,
      journalEvent({ accountId: 'acc-p', amountMicros: '1000', balanceAfterMicros: '4000' }),
      openingEvent('acc-q', 7_000),
    ]);
    const registry = new Registry();
    const j = journal(stream, registry);
    j.start();
    await waitFor('the journal past the bad event', async () => (await j.position()).lastSeq === 4, 15_000);
    expect(await balances()).toEqual({ 'acc-p': '4000', 'acc-q': '7000' });
    const parkedRows = () =>
      pg.query(
        'select stream_seq, account_id, event_id, reason, detail, convert_from(payload, $1) as payload from journal_parked_event where stream = $2',
        ['UTF8', stream],
      );
    const expected = [
      {
        stream_seq: '2',
        account_id: 'acc-p',
        event_id: tooMuch.eventId,
        reason: 'constraint',
        detail: expect.stringContaining('account_journal_balance_micros_check'),
        payload: JSON.stringify(tooMuch),
      },
    ];
    expect((await parkedRows()).rows).toEqual(expected);
    expect(await j.position()).toMatchObject({ eventsApplied: 3, eventsParked: 1, eventsInvalid: 0 });
    expect(await registry.metrics()).toMatch(/^ratel_journal_parked_total\{reason="constraint"\} 1$/m);
    // A redelivery (another reader, a rebuild's catch-up) parks nothing twice and applies nothing twice.
    await j.applyMessages(await readAll(stream));
    expect((await parkedRows()).rows).toEqual(expected);
    expect(await j.position()).toMatchObject({ lastSeq: 4, eventsApplied: 3, eventsParked: 1 });
    expect(await balances()).toEqual({ 'acc-p': '4000', 'acc-q': '7000' });
  }, 30_000);

  it('retries a transient failure (a journal table unreachable) instead of parking, then applies', async () => {
    const stream = await newStream();
    await publish(stream, [openingEvent('acc-t', 3_000)]);
    const logger = createLogger('journal-spec', 'silent');
    const failures: string[] = [];
    const error = logger.error.bind(logger);
    logger.error = ((obj: unknown, msg?: string) => {
      failures.push(String(msg));
      return error(obj as object, msg);
    }) as typeof logger.error;
    await pg.query('alter table account_journal rename to account_journal_away');
    const j = new BalanceJournal({ nc, databaseUrl, stream, registry: new Registry(), logger, clock: systemClock });
    journals.push(j);
    try {
      j.start();
      await waitFor('a failed attempt', async () => failures.some((m) => m.includes('reading failed; retrying')), 15_000);
      expect(await j.position()).toMatchObject({ lastSeq: 0, eventsParked: 0 });
    } finally {
      await pg.query('alter table account_journal_away rename to account_journal');
    }
    await waitFor('the journal at 1', async () => (await j.position()).lastSeq === 1, 15_000);
    expect(await balances()).toEqual({ 'acc-t': '3000' });
    expect((await pg.query('select count(*)::int as n from journal_parked_event where stream = $1', [stream])).rows).toEqual([{ n: 0 }]);
  }, 40_000);

  it('exports its metrics only once it has read the journal in this process', async () => {
    const registry = new Registry();
    const j = journal(uniqueId('NOJ'), registry);
    expect(await registry.metrics()).not.toMatch(/ratel_journal_/);
    await j.catchUp();
    expect(await registry.metrics()).toMatch(/^ratel_journal_position 0$/m);
  });

  it('a catch-up of a missing stream finds nothing to apply', async () => {
    expect(await journal('NO_SUCH_STREAM_X').catchUp()).toEqual({
      streamLastSeq: 0,
      position: { lastSeq: 0, eventsApplied: 0, eventsInvalid: 0, eventsLost: 0, streamCreated: null, streamResets: 0, eventsParked: 0 },
    });
  });

  it('a stream created anew (sequences from 1 again) is read from its start, on top of what the journal holds', async () => {
    const stream = await newStream();
    await publish(stream, [
      openingEvent('acc-r', 9_000),
      journalEvent({ accountId: 'acc-r', amountMicros: '1000', balanceAfterMicros: '8000' }),
      journalEvent({ accountId: 'acc-r', amountMicros: '1000', balanceAfterMicros: '7000' }),
    ]);
    const registry = new Registry();
    const j = journal(stream, registry);
    expect((await j.catchUp()).position).toMatchObject({ lastSeq: 3, streamResets: 0 });
    await jsm.streams.delete(stream);
    await jsm.streams.add({
      name: stream,
      subjects: [`${stream}.>`],
      storage: StorageType.Memory,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.New,
    });
    await publish(stream, [
      journalEvent({ accountId: 'acc-r', amountMicros: '500', balanceAfterMicros: '6500' }),
      journalEvent({ accountId: 'acc-r', amountMicros: '500', balanceAfterMicros: '6000' }),
    ]);
    const report = await j.catchUp();
    expect(report).toMatchObject({ streamLastSeq: 2, position: { lastSeq: 2, eventsApplied: 5, eventsLost: 0, streamResets: 1 } });
    expect(await balances()).toEqual({ 'acc-r': '6000' });
    expect(await registry.metrics()).toMatch(/^ratel_journal_stream_resets_total 1$/m);
  });

  it('started in two processes, one reads (the advisory lock) and follows the stream as it grows', async () => {
    const stream = await newStream();
    const [ra, rb] = [new Registry(), new Registry()];
    const [a, b] = [journal(stream, ra), journal(stream, rb)];
    a.start();
    b.start();
    await publish(stream, [openingEvent('acc-e', 2_000)]);
    await waitFor('journal at 1', async () => (await a.position()).lastSeq === 1, 10_000);
    await publish(stream, [journalEvent({ accountId: 'acc-e', amountMicros: '500', balanceAfterMicros: '1500' })]);
    await waitFor('journal at 2', async () => (await a.position()).lastSeq === 2, 10_000);
    expect(await balances()).toEqual({ 'acc-e': '1500' });
    const leaders = [await ra.metrics(), await rb.metrics()].map((m) => /^ratel_journal_leader 1$/m.test(m));
    expect(leaders.filter(Boolean)).toHaveLength(1);
  });
});
