/**
 * The report and reconciliation queries against a real ClickHouse: every event is stored two or
 * three times (redelivery), and the per-subscriber, daily, revenue and per-account/type figures
 * still count each event once; keyset and offset paging cover every line exactly once; the id
 * fingerprint computed in SQL equals the one computed in TypeScript.
 */
import type { RatedEvent } from '@app/events';
import { ensureClickhouse, TestClickhouse } from '../../devstack/src/clickhouse';
import { uniqueId } from '../../devstack/src/test-helpers';
import { ClickHouseClient, createClickhouseClient } from './clickhouse-client';
import { dropClickhouseDatabase, migrateClickhouse } from './migrate';
import { toRatedEventRow } from './rated-event-rows';
import { ClickhouseRatedEventStore } from './rated-event-store';
import { addFingerprint, eventIdFingerprint, queryAccountTypeTotals, queryStoredEventAmounts } from './reconcile-queries';

import { queryDailyRevenue, queryDailyUsage, querySubscriberUsage, SubscriberCursor } from './usage-report-queries';
import { ratedEvent } from '@app/events/testing';

const NOV = (day: number, hour = 12) => Date.UTC(2026, 10, day, hour);
const PERIOD = { fromMs: NOV(1, 0), toMs: Date.UTC(2026, 11, 1) };

function events(): RatedEvent[] {
  const out: RatedEvent[] = [];
  for (let i = 0; i < 60; i++) {
    const accountId = i % 3 === 0 ? 'acc-b' : 'acc-a';
    const unit = i % 2 === 0 ? 'BYTES' : 'SECONDS';
    out.push(
      ratedEvent(`rq-${i}`, {
        accountId,
        subscriberId: `4917000000${10 + (i % 7)}`,
        serviceId: 1 + (i % 2),
        ratingGroup: 10 + (i % 3),
        unit,
        usedUnits: 100 + i,
        billableUnits: 100 + i,
        amountMicros: String(1_000 + i),
        occurredAtMs: NOV(1 + (i % 5), i % 24),
      }),
    );
  }
  out.push(ratedEvent('rq-refund', { accountId: 'acc-a', type: 'REFUND', amountMicros: '-500', occurredAtMs: NOV(2) }));
  out.push(ratedEvent('rq-outside', { accountId: 'acc-a', occurredAtMs: Date.UTC(2026, 11, 1) }));
  return out;
}

describe('report and reconciliation queries on ClickHouse', () => {
  let ch: TestClickhouse;
  let client: ClickHouseClient;
  const db = uniqueId('rq');
  const all = events();
  const inPeriod = all.filter((e) => e.occurredAtMs < PERIOD.toMs);

  beforeAll(async () => {
    ch = await ensureClickhouse();
    client = createClickhouseClient({ url: ch.url });
    await migrateClickhouse(ch.url, db);
    const store = new ClickhouseRatedEventStore(client, db);
    const rows = (copy: number) => all.map((e, i) => toRatedEventRow(e, { streamSeq: i + 1, ingestedAtMs: NOV(20) + copy }));
    // Three deliveries of every event, in separate inserts (separate parts: no merge has happened).
    for (let copy = 0; copy < 3; copy++) await store.insertRatedEvents(rows(copy));
  });
  afterAll(async () => {
    await dropClickhouseDatabase(ch.url, db).catch(() => undefined);
    await client?.close();
    await ch?.stop();
  });

  it('sums per subscriber once per event, and keyset pages cover every line once', async () => {
    const filter = { ...PERIOD, accountId: 'acc-a', types: ['DEBIT', 'REFUND'] as const };
    const full = await querySubscriberUsage(client, db, { ...filter, limit: 100 });
    const debits = inPeriod.filter((e) => e.accountId === 'acc-a');
    expect(full.reduce((s, l) => s + l.amountMicros, 0n)).toBe(debits.reduce((s, e) => s + BigInt(e.amountMicros), 0n));
    expect(full.reduce((s, l) => s + l.events, 0n)).toBe(BigInt(debits.length));
    const bytes = debits.filter((e) => e.unit === 'BYTES').reduce((s, e) => s + BigInt(e.usedUnits), 0n);
    expect(full.reduce((s, l) => s + l.usedUnits.BYTES, 0n)).toBe(bytes);
    const paged: string[] = [];
    let after: SubscriberCursor | undefined;
    for (;;) {
      const page = await querySubscriberUsage(client, db, { ...filter, limit: 3, after });
      paged.push(...page.map((l) => `${l.subscriberId}/${l.currency}`));
      if (page.length < 3) break;
      after = page[page.length - 1];
    }
    expect(paged).toEqual(full.map((l) => `${l.subscriberId}/${l.currency}`));
  });

  it('filters by service and rating group', async () => {
    const lines = await querySubscriberUsage(client, db, {
      ...PERIOD,
      accountId: 'acc-b',
      types: ['DEBIT'],
      serviceId: 2,
      ratingGroup: 11,
      limit: 100,
    });
    const want = inPeriod.filter((e) => e.accountId === 'acc-b' && e.serviceId === 2 && e.ratingGroup === 11);
    expect(lines.reduce((s, l) => s + l.events, 0n)).toBe(BigInt(want.length));
  });

  it('gives a daily series and daily revenue with exact sums', async () => {
    const daily = await queryDailyUsage(client, db, { ...PERIOD, accountId: 'acc-a', types: ['DEBIT', 'REFUND'] });
    expect(daily.map((d) => d.day)).toEqual(['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05']);
    const day2 = inPeriod.filter((e) => e.accountId === 'acc-a' && new Date(e.occurredAtMs).getUTCDate() === 2);
    expect(daily[1].amountMicros).toBe(day2.reduce((s, e) => s + BigInt(e.amountMicros), 0n));
    const revenue = await queryDailyRevenue(client, db, { ...PERIOD, types: ['DEBIT', 'REFUND'], limit: 100, offset: 0 });
    expect(revenue.reduce((s, l) => s + l.amountMicros, 0n)).toBe(inPeriod.reduce((s, e) => s + BigInt(e.amountMicros), 0n));
    const page2 = await queryDailyRevenue(client, db, { ...PERIOD, types: ['DEBIT', 'REFUND'], limit: 4, offset: 4 });
    expect(page2).toEqual(revenue.slice(4, 8));
  });

  it('totals per account and type with an id fingerprint equal to the TypeScript one', async () => {
    const totals = await queryAccountTypeTotals(client, db, { ...PERIOD, rowsMax: 100 });
    const a = totals.find((t) => t.accountId === 'acc-a' && t.type === 'DEBIT')!;
    const want = inPeriod.filter((e) => e.accountId === 'acc-a' && e.type === 'DEBIT');
    expect(a.events).toBe(BigInt(want.length));
    expect(a.idFingerprint).toBe(want.reduce((s, e) => addFingerprint(s, eventIdFingerprint(e.eventId)), 0n));
    const stored = await queryStoredEventAmounts(client, db, { ...PERIOD, accountIds: ['acc-b'], rowsMax: 1_000 });
    expect(stored.length).toBe(inPeriod.filter((e) => e.accountId === 'acc-b').length);
    expect(new Set(stored.map((s) => s.accountId))).toEqual(new Set(['acc-b']));
  });
});
