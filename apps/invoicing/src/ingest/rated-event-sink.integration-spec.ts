/**
 * The sink in-process against real NATS JetStream and real ClickHouse: duplicates and invalid
 * messages in the flow, and ClickHouse going away for a while.
 */
import {
  ClickHouseClient,
  createClickhouseClient,
  DEAD_LETTERS_TABLE,
  dropClickhouseDatabase,
  migrateClickhouse,
  qualified,
  RATED_EVENTS_TABLE,
  sql,
  str,
} from '@app/analytics';
import type { RatedEvent } from '@app/events';

import { createLogger } from '@app/observability';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, NatsConnection } from 'nats';
import { ensureClickhouse, startClickhouse, StartedClickhouse, TestClickhouse } from '@app/devstack';
import { requireEnv, uniqueId } from '@app/devstack';
import { createRatedStream, makeScenario, publishAll, readStored, readTotals, totalsObject, waitFor } from '../../test/sink-test-helpers';
import { loadInvoicingConfig } from '../config';
import { SinkProcess, startSinkProcess } from './sink-process';
import { ratedEvent } from '@app/events/testing';

const logger = createLogger('invoicing-test', (process.env.SPEC_LOG_LEVEL ?? 'silent') as 'silent');

function sinkConfig(clickhouseUrl: string, database: string, stream: string, extra: Record<string, string> = {}) {
  return loadInvoicingConfig({
    ...extra,
    NATS_URL: requireEnv('NATS_URL'),
    CLICKHOUSE_URL: clickhouseUrl,
    CLICKHOUSE_DATABASE: database,
    SINK_STREAM: stream,
    SINK_CONSUMER: 'sink',
    SINK_BATCH_MAX: '250',
    SINK_METRICS_PORT: '0',
    SINK_SHUTDOWN_GRACE_MS: '2000',
  });
}

async function metricValue(metricsUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name));
  return line ? Number(line.split(' ').pop()) : NaN;
}

describe('rated-event sink (in-process)', () => {
  let nc: NatsConnection;
  beforeAll(async () => {
    nc = await connect({ servers: requireEnv('NATS_URL') });
  });
  afterAll(async () => {
    await nc?.close();
  });

  describe('with duplicates and invalid messages', () => {
    let ch: TestClickhouse;
    let client: ClickHouseClient;
    let sink: SinkProcess | undefined;
    const db = uniqueId('sink');
    const stream = uniqueId('RATED');

    beforeAll(async () => {
      ch = await ensureClickhouse();
      client = createClickhouseClient({ url: ch.url });
    });
    afterAll(async () => {
      await sink?.stop();
      await dropClickhouseDatabase(ch.url, db).catch(() => undefined);
      await client?.close();
      await ch?.stop();
    });

    it('stores every distinct event exactly once in effect and dead-letters the invalid ones', async () => {
      const root = `${stream}.ratel.rated.v1`;
      await createRatedStream(await nc.jetstreamManager(), stream, root);
      const scenario = makeScenario(root, { distinct: 1500, accounts: 7, duplicates: 150, invalid: 25, seed: 42 });
      sink = await startSinkProcess(sinkConfig(ch.url, db, stream), logger);
      await publishAll(nc.jetstream(), scenario.messages);

      const stored = await waitFor(
        'all events and dead letters',
        () => readStored(client, db),
        (s) => s.distinctEvents === scenario.distinctEvents && s.deadLetters === scenario.invalid,
        30_000,
      );
      expect(stored.rows).toBeGreaterThanOrEqual(scenario.distinctEvents);
      expect(totalsObject(await readTotals(client, db, [...scenario.expected.keys()]))).toEqual(totalsObject(scenario.expected));

      const rs = await client.query({
        query:
          sql`SELECT reasonCode, count() AS n FROM (SELECT streamSeq, any(reasonCode) AS reasonCode, any(reason) AS reason FROM ${qualified(db, DEAD_LETTERS_TABLE)} GROUP BY streamSeq HAVING reason != '') GROUP BY reasonCode ORDER BY reasonCode`
            .text,
        format: 'JSONEachRow',
      });
      const byCode = await rs.json<{ reasonCode: string; n: string }>();
      expect(byCode.reduce((s, r) => s + Number(r.n), 0)).toBe(scenario.invalid);
      expect(
        byCode
          .map((r) => r.reasonCode)
          .every((c) => ['INVALID_JSON', 'NOT_UTF8', 'INVALID_EVENT', 'SUBJECT_MISMATCH', 'OUT_OF_RANGE'].includes(c)),
      ).toBe(true);

      // The rows are in ClickHouse before the batch is acked and counted: wait for the count.
      await waitFor(
        'every ack counted',
        () => metricValue(sink!.metricsUrl, 'ratel_sink_messages_acked_total'),
        (n) => n === scenario.messages.length - 1,
        10_000,
      );
      expect(await metricValue(sink.metricsUrl, 'ratel_sink_batch_size_count')).toBeGreaterThan(0);
      expect(await metricValue(sink.metricsUrl, 'ratel_sink_insert_duration_seconds_count')).toBeGreaterThan(0);
      expect(await metricValue(sink.metricsUrl, 'ratel_sink_clickhouse_up')).toBe(1);
      await sink.stop();
      sink = undefined;
    });
  });

  describe('when ClickHouse refuses rows for good', () => {
    let ch: TestClickhouse;
    let client: ClickHouseClient;
    let sink: SinkProcess | undefined;
    const db = uniqueId('refuse');
    const stream = uniqueId('RATED');
    const root = `${stream}.ratel.rated.v1`;
    const message = (e: RatedEvent) => ({ subject: `${root}.${e.accountId}`, data: Buffer.from(JSON.stringify(e)), msgId: e.eventId });
    const deadLettersOf = async (code: string) => {
      const rs = await client.query({
        query: sql`SELECT count(DISTINCT streamSeq) AS n FROM ${qualified(db, DEAD_LETTERS_TABLE)} WHERE reasonCode = ${str(code)}`.text,
        format: 'JSONEachRow',
      });
      return Number((await rs.json<{ n: string }>())[0].n);
    };

    beforeAll(async () => {
      ch = await ensureClickhouse();
      client = createClickhouseClient({ url: ch.url });
      await migrateClickhouse(ch.url, db);
      // A schema change that a few valid events no longer fit: a cycle id longer than 8 bytes is refused (TOO_LARGE_STRING_SIZE).
      await client.command({ query: sql`ALTER TABLE ${qualified(db, RATED_EVENTS_TABLE)} MODIFY COLUMN cycleId FixedString(8)`.text });
      await createRatedStream(await nc.jetstreamManager(), stream, root);
    });
    afterAll(async () => {
      await sink?.stop();
      await dropClickhouseDatabase(ch.url, db).catch(() => undefined);
      await client?.close();
      await ch?.stop();
    });

    it('dead-letters the refused events alone, stores the others, and goes on', async () => {
      const events = Array.from({ length: 120 }, (_, i) =>
        ratedEvent(`${db}-${i}`, { accountId: `acc-${i % 3}`, cycleId: i % 40 === 7 ? 'a-cycle-id-too-long' : '2026-11' }),
      );
      sink = await startSinkProcess(sinkConfig(ch.url, db, stream), logger);
      await publishAll(nc.jetstream(), events.map(message));
      await waitFor(
        'the good events and three dead letters',
        async () => [(await readStored(client, db)).distinctEvents, await deadLettersOf('CLICKHOUSE_REFUSED')],
        ([stored, refused]) => stored === 117 && refused === 3,
        30_000,
      );
      // The dead letters are in ClickHouse before the batch is acked and counted: wait for the acks.
      await waitFor(
        'every ack counted',
        () => metricValue(sink!.metricsUrl, 'ratel_sink_messages_acked_total'),
        (n) => n === events.length,
        10_000,
      );
      expect(await metricValue(sink.metricsUrl, 'ratel_sink_dead_letters_total{reason_code="CLICKHOUSE_REFUSED"')).toBe(3);
      expect(await metricValue(sink.metricsUrl, 'ratel_sink_clickhouse_up')).toBe(1);
      const info = await (await nc.jetstreamManager()).consumers.info(stream, 'sink');
      expect([info.num_pending, info.num_ack_pending]).toEqual([0, 0]);
    });

    it('holds a batch whose every row is refused (the table is at fault), and stores it once the table is fixed', async () => {
      const events = Array.from({ length: 30 }, (_, i) =>
        ratedEvent(`${db}-all-${i}`, { accountId: 'acc-9', cycleId: 'refused-by-the-table' }),
      );
      await publishAll(nc.jetstream(), events.map(message));
      await waitFor(
        'the sink to see ClickHouse refuse',
        () => metricValue(sink!.metricsUrl, 'ratel_sink_clickhouse_up'),
        (up) => up === 0,
        30_000,
      );
      expect(await deadLettersOf('CLICKHOUSE_REFUSED')).toBe(3);
      await client.command({ query: sql`ALTER TABLE ${qualified(db, RATED_EVENTS_TABLE)} MODIFY COLUMN cycleId String`.text });
      await waitFor(
        'the held batch stored',
        () => readStored(client, db),
        (s) => s.distinctEvents === 147,
        60_000,
      );
      expect(await deadLettersOf('CLICKHOUSE_REFUSED')).toBe(3);
    });
  });

  describe('when ClickHouse goes away', () => {
    let dir: string;
    let server: StartedClickhouse | undefined;
    let client: ClickHouseClient;
    let sink: SinkProcess | undefined;
    const db = uniqueId('down');
    const stream = uniqueId('RATED');

    beforeAll(async () => {
      dir = mkdtempSync(join(process.env.RATEL_TEST_ROOT ?? tmpdir(), 'ch-down-'));
      server = await startClickhouse({ dir });
      client = createClickhouseClient({ url: server.url });
    });
    afterAll(async () => {
      await sink?.stop();
      await client?.close();
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('holds the batch, backs off, and loses nothing and doubles nothing once it is back', async () => {
      const root = `${stream}.ratel.rated.v1`;
      await createRatedStream(await nc.jetstreamManager(), stream, root);
      const scenario = makeScenario(root, { distinct: 900, accounts: 4, duplicates: 0, invalid: 0, seed: 7 });
      const first = scenario.messages.slice(0, 300);
      const rest = scenario.messages.slice(300);
      // A short ack wait: the outage below outlasts it, so only in-progress acks keep the held batch from redelivery.
      sink = await startSinkProcess(
        sinkConfig(server!.url, db, stream, { SINK_ACK_WAIT_MS: '3000', SINK_INSERT_TIMEOUT_MS: '1000' }),
        logger,
      );
      await publishAll(nc.jetstream(), first);
      await waitFor(
        'the first events',
        () => readStored(client, db),
        (s) => s.distinctEvents === 300,
        20_000,
      );

      const port = server!.port;
      await server!.stop();
      server = undefined;
      await publishAll(nc.jetstream(), rest);
      // Before attempt 7 the batch has waited 0.1 + 0.2 + ... + 3.2 = 6.3 s, twice the 3 s ack wait.
      await waitFor(
        'insert failures',
        () => metricValue(sink!.metricsUrl, 'ratel_sink_insert_failures_total'),
        (n) => n >= 7,
        30_000,
      );
      expect(await metricValue(sink.metricsUrl, 'ratel_sink_clickhouse_up')).toBe(0);

      server = await startClickhouse({ dir, port });
      const stored = await waitFor(
        'every event after the restart',
        () => readStored(client, db),
        (s) => s.distinctEvents === scenario.distinctEvents,
        30_000,
      );
      // No duplicates were published and no batch was redelivered: not even a raw row is doubled.
      expect(stored.rows).toBe(scenario.distinctEvents);
      expect(totalsObject(await readTotals(client, db, [...scenario.expected.keys()]))).toEqual(totalsObject(scenario.expected));
      expect(await metricValue(sink.metricsUrl, 'ratel_sink_clickhouse_up')).toBe(1);
      await waitFor(
        'every ack',
        () => metricValue(sink!.metricsUrl, 'ratel_sink_messages_acked_total'),
        (n) => n === scenario.messages.length - 1,
        10_000,
      );
      const info = await (await nc.jetstreamManager()).consumers.info(stream, 'sink');
      expect({ redelivered: info.num_redelivered, ackPending: info.num_ack_pending, pending: info.num_pending }).toEqual({
        redelivered: 0,
        ackPending: 0,
        pending: 0,
      });
      await sink.stop();
      sink = undefined;
      await dropClickhouseDatabase(server.url, db);
    });
  });
});
