/**
 * The invoice run's usage query against a real ClickHouse: every event stored twice (a redelivered
 * batch), one event re-published further down the stream, late events of an earlier cycle, events
 * beyond the run's watermark. Two consecutive runs bill every event exactly once between them.
 */
import type { RatedEvent } from '@app/events';
import { ensureClickhouse, TestClickhouse } from '../../devstack/src/clickhouse';
import { uniqueId } from '../../devstack/src/test-helpers';
import { ClickHouseClient, createClickhouseClient } from './clickhouse-client';
import { InvoiceUsageLine, invoiceUsageSql, queryInvoiceUsage } from './invoice-usage-query';
import { dropClickhouseDatabase, migrateClickhouse } from './migrate';
import { toRatedEventRow } from './rated-event-rows';
import { ClickhouseRatedEventStore } from './rated-event-store';
import { SqlValueError } from './sql';
import { ratedEvent } from '@app/events/testing';

const at = (month: number, day: number, hour = 12) => Date.UTC(2026, month, day, hour);
const NOV = { periodStartMs: at(10, 1, 0), periodEndMs: at(11, 1, 0) };
const DEC = { periodStartMs: at(11, 1, 0), periodEndMs: Date.UTC(2027, 0, 1) };

/** [seed, account, occurredAt, amount, stream positions of its copies] */
const EVENTS: readonly [string, string, number, number, readonly number[]][] = [
  ['n1', 'acc-a', at(10, 3), 1_000, [1, 1]],
  ['n2', 'acc-a', at(10, 20), 2_000, [2, 2]],
  ['n3', 'acc-b', at(10, 30, 23), 4_000, [3]],
  ['n-outside-shard', 'acc-z', at(10, 5), 8_000, [4]],
  ['oct-before', 'acc-a', at(9, 28), 16_000, [5]], // October's, arrived before November's run: October's run billed it
  ['n-republished', 'acc-b', at(10, 10), 32_000, [6, 60]], // the relay published it twice
  ['n-after-w', 'acc-a', at(10, 29), 64_000, [40]], // November's, arrived after November's run started: late in December
  ['oct-late', 'acc-a', at(9, 15), 128_000, [41]], // October's, arrived after November's run started: late in December
  ['oct-late-dup', 'acc-b', at(9, 16), 256_000, [7, 42]], // October's, first copy before W(Nov): billed in November only
  ['d1', 'acc-a', at(11, 2), 512_000, [43]],
];

describe('invoice usage per shard on ClickHouse', () => {
  let ch: TestClickhouse;
  let client: ClickHouseClient;
  const db = uniqueId('inv_usage');
  const shard = { firstAccountId: 'acc-a', lastAccountId: 'acc-b' };

  beforeAll(async () => {
    ch = await ensureClickhouse();
    client = createClickhouseClient({ url: ch.url });
    await migrateClickhouse(ch.url, db);
    const store = new ClickhouseRatedEventStore(client, db);
    for (const [seed, accountId, occurredAtMs, amount, seqs] of EVENTS) {
      const e: RatedEvent = ratedEvent(seed, { accountId, occurredAtMs, amountMicros: String(amount), subscriberId: '33612000001' });
      // One insert per copy: separate parts, nothing merged.
      for (const seq of seqs) await store.insertRatedEvents([toRatedEventRow(e, { streamSeq: seq, ingestedAtMs: occurredAtMs })]);
    }
  });
  afterAll(async () => {
    await dropClickhouseDatabase(ch.url, db).catch(() => undefined);
    await client?.close();
  });

  const sum = (lines: readonly InvoiceUsageLine[], late: boolean) =>
    lines.filter((l) => l.late === late).reduce((n, l) => n + l.amountMicros, 0n);

  it("November's run (W=10 after October's W=5) bills November's events it has and October's late ones, each once", async () => {
    const lines = await queryInvoiceUsage(client, db, { ...shard, ...NOV, watermarkSeq: 10n, previousWatermarkSeq: 5n });
    // n1 + n2 + n3 + n-republished; not n-after-w (position 40 > W), not acc-z (another shard).
    expect(sum(lines, false)).toBe(1_000n + 2_000n + 4_000n + 32_000n);
    // oct-late-dup's first copy (7) is in (5, 10]; oct-before (5) was October's; oct-late (41) is beyond W.
    expect(sum(lines, true)).toBe(256_000n);
    expect(lines.filter((l) => !l.late).map((l) => [l.accountId, String(l.events)])).toEqual([
      ['acc-a', '2'],
      ['acc-b', '2'],
    ]);
    expect(lines.find((l) => l.accountId === 'acc-a' && !l.late)).toMatchObject({
      subscriberId: '33612000001',
      serviceId: 1,
      ratingGroup: 10,
      tariffId: 'tariff-1',
      unit: 'BYTES',
      currency: 'EUR',
      firstOccurredAtMs: at(10, 3),
      lastOccurredAtMs: at(10, 20),
    });
  });

  it("December's run (W=50 after November's W=10) bills December and what arrived late since, and nothing November billed", async () => {
    const lines = await queryInvoiceUsage(client, db, { ...shard, ...DEC, watermarkSeq: 50n, previousWatermarkSeq: 10n });
    expect(sum(lines, false)).toBe(512_000n);
    // n-after-w (40) and oct-late (41); not n-republished (its first copy, 6, was billed in November), nor oct-late-dup.
    expect(sum(lines, true)).toBe(64_000n + 128_000n);
  });

  it('bills every event of the shard exactly once over consecutive runs', async () => {
    const runs = [
      { ...NOV, watermarkSeq: 10n, previousWatermarkSeq: 5n },
      { ...DEC, watermarkSeq: 100n, previousWatermarkSeq: 10n },
    ];
    let total = 0n;
    for (const run of runs) total += (await queryInvoiceUsage(client, db, { ...shard, ...run })).reduce((n, l) => n + l.amountMicros, 0n);
    // Everything of acc-a and acc-b except oct-before, which October's run (W=5) billed.
    const expected = EVENTS.filter(([seed, acc]) => acc !== 'acc-z' && seed !== 'oct-before').reduce((n, [, , , a]) => n + BigInt(a), 0n);
    expect(total).toBe(expected);
  });

  it.each([
    [{ firstAccountId: "a'b" }, 'INVALID_STRING'],
    [{ firstAccountId: 'acc-c', lastAccountId: 'acc-b' }, 'OUT_OF_RANGE'],
    [{ periodEndMs: NOV.periodStartMs }, 'OUT_OF_RANGE'],
    [{ watermarkSeq: 4n }, 'OUT_OF_RANGE'],
    [{ previousWatermarkSeq: -1n }, 'OUT_OF_RANGE'],
    [{ lateLookbackDays: 401 }, 'OUT_OF_RANGE'],
  ])('refuses %p (%s)', (bad, code) => {
    const q = { ...shard, ...NOV, watermarkSeq: 10n, previousWatermarkSeq: 5n, ...bad };
    expect(() => invoiceUsageSql(db, q)).toThrow(SqlValueError);
    expect(() => invoiceUsageSql(db, q)).toThrow(expect.objectContaining({ code }));
  });
});
