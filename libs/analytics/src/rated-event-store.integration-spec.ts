/**
 * Migrations, the rated-event store and the usage query against a real ClickHouse: the usage
 * query stays exact when rows are stored two and three times (redelivery), before and after the
 * table's own merges, and refuses bad input.
 */
import { ensureClickhouse, TestClickhouse } from '../../devstack/src/clickhouse';
import { uniqueId } from '../../devstack/src/test-helpers';
import { ClickHouseClient, createClickhouseClient } from './clickhouse-client';
import { dropClickhouseDatabase, migrateClickhouse, MigrationError } from './migrate';
import { MIGRATIONS } from './migrations';
import { RATED_EVENTS_TABLE, toRatedEventRow } from './rated-event-rows';
import { ClickhouseRatedEventStore } from './rated-event-store';
import { qualified, sql, SqlValueError, str } from './sql';

import { queryUsage } from './usage-query';
import { ratedEvent } from '@app/events/testing';

const NOV = (day: number, hour = 12) => Date.UTC(2026, 10, day, hour);

describe('analytics store on ClickHouse', () => {
  let ch: TestClickhouse;
  let db: string;
  let client: ClickHouseClient;

  beforeAll(async () => {
    ch = await ensureClickhouse();
    db = uniqueId('an');
    client = createClickhouseClient({ url: ch.url });
  });
  afterAll(async () => {
    if (ch && db) await dropClickhouseDatabase(ch.url, db);
    await client?.close();
    await ch?.stop();
  });

  it('applies the migrations once and is idempotent', async () => {
    const first = await migrateClickhouse(ch.url, db);
    expect(first.applied).toEqual(MIGRATIONS.map((m) => m.version));
    const second = await migrateClickhouse(ch.url, db);
    expect(second).toEqual({ applied: [], alreadyApplied: MIGRATIONS.map((m) => m.version) });
    // Two migrators racing: both succeed, nothing is applied twice.
    const racing = await Promise.all([migrateClickhouse(ch.url, db), migrateClickhouse(ch.url, db)]);
    expect(racing.every((r) => r.applied.length === 0)).toBe(true);
    const rs = await client.query({
      query: sql`SELECT name FROM system.tables WHERE database = ${str(db)} ORDER BY name`.text,
      format: 'JSONEachRow',
    });
    expect((await rs.json<{ name: string }>()).map((r) => r.name)).toEqual([
      'cdr_files',
      'cdr_rejects',
      'rated_dead_letters',
      'rated_events',
      'schema_migrations',
    ]);
  });

  it('refuses a migration edited after it was applied, and a broken list', async () => {
    const edited = MIGRATIONS.map((m, i) => (i === 0 ? { ...m, sql: `${m.sql}\n-- edited` } : m));
    await expect(migrateClickhouse(ch.url, db, edited)).rejects.toThrow(MigrationError);
    await expect(migrateClickhouse(ch.url, db, [MIGRATIONS[1]])).rejects.toThrow(/expected 1/);
    await expect(migrateClickhouse(ch.url, 'bad name')).rejects.toThrow(SqlValueError);
  });

  it('sums usage exactly under duplicate rows, before and after merges', async () => {
    const store = new ClickhouseRatedEventStore(client, db);
    const events = [
      ratedEvent('e1', {
        accountId: 'A',
        amountMicros: '9223372036854',
        usedUnits: 7,
        billableUnits: 10,
        allowanceUnits: 4,
        allowances: [{ bucketId: 'b1', units: 4 }],
      }),
      ratedEvent('e2', { accountId: 'A', amountMicros: '1000001', usedUnits: 5, billableUnits: 5 }),
      ratedEvent('e3', { accountId: 'A', type: 'REFUND', amountMicros: '-1', usedUnits: 1, billableUnits: 1 }),
      ratedEvent('e4', { accountId: 'A', ratingGroup: 20, amountMicros: '3', occurredAtMs: NOV(30, 23) }),
      ratedEvent('e5', {
        accountId: 'A',
        type: 'TOPUP',
        unit: 'MONEY',
        amountMicros: '-5000000',
        usedUnits: 0,
        billableUnits: 0,
        subscriberId: '',
      }),
      ratedEvent('e6', { accountId: 'B', amountMicros: '42', occurredAtMs: NOV(1, 0) }),
      ratedEvent('e7', { accountId: 'B', amountMicros: '100', occurredAtMs: Date.UTC(2026, 11, 1) }), // next period
      ratedEvent('e8', { accountId: 'C', amountMicros: '77' }), // not asked for
    ];
    const rows = events.map((e, i) => toRatedEventRow(e, { streamSeq: i + 1, ingestedAtMs: Date.now() }));
    await store.insertRatedEvents(rows);
    await store.insertRatedEvents([rows[0], rows[1], rows[5]]); // redelivered batch
    await store.insertRatedEvents([rows[0], rows[3]]); // and again
    const q = { accountIds: ['A', 'B'], fromMs: Date.UTC(2026, 10, 1), toMs: Date.UTC(2026, 11, 1) };
    const expected = [
      {
        accountId: 'A',
        serviceId: 1,
        ratingGroup: 10,
        unit: 'BYTES',
        currency: 'EUR',
        events: 3n,
        usedUnits: 13n,
        billableUnits: 16n,
        allowanceUnits: 4n,
        amountMicros: 9223372036854n + 1000001n - 1n,
      },
      {
        accountId: 'A',
        serviceId: 1,
        ratingGroup: 20,
        unit: 'BYTES',
        currency: 'EUR',
        events: 1n,
        usedUnits: 1000n,
        billableUnits: 1000n,
        allowanceUnits: 0n,
        amountMicros: 3n,
      },
      {
        accountId: 'B',
        serviceId: 1,
        ratingGroup: 10,
        unit: 'BYTES',
        currency: 'EUR',
        events: 1n,
        usedUnits: 1000n,
        billableUnits: 1000n,
        allowanceUnits: 0n,
        amountMicros: 42n,
      },
    ];
    expect(await queryUsage(client, db, q)).toEqual(expected);
    await client.command({ query: sql`OPTIMIZE TABLE ${qualified(db, RATED_EVENTS_TABLE)} FINAL`.text });
    expect(await queryUsage(client, db, q)).toEqual(expected);
    const withTopups = await queryUsage(client, db, { ...q, accountIds: ['A'], types: ['TOPUP'] });
    expect(withTopups.map((l) => [l.unit, l.events, l.amountMicros])).toEqual([['MONEY', 1n, -5000000n]]);
  });

  it.each([
    ['no accounts', { accountIds: [] as string[] }, /between 1 and/],
    ['a hostile account id', { accountIds: ["A' OR 1=1 --"] }, /not an account id/],
    ['an empty period', { toMs: Date.UTC(2026, 10, 1) }, /fromMs < toMs/],
    ['a period too long', { fromMs: Date.UTC(2020, 0, 1) }, /at most/],
    ['a negative time', { fromMs: -1 }, /epoch ms/],
    ['an unknown type', { types: ['DEBIT; DROP'] as never[] }, /not one of/],
  ])('refuses %s', async (_label, patch, message) => {
    const q = { accountIds: ['A'], fromMs: Date.UTC(2026, 10, 1), toMs: Date.UTC(2026, 11, 1), ...patch };
    await expect(queryUsage(client, db, q)).rejects.toThrow(SqlValueError);
    await expect(queryUsage(client, db, q)).rejects.toThrow(message);
  });
});
