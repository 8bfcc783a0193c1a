/**
 * "Usage and amount per account, service and rating group for a period" over 1M+ rated events:
 * inserts N events (10% of them stored twice, as redeliveries would) into a throwaway ClickHouse
 * (or CLICKHOUSE_URL), then times queryUsage — the de-duplicating query the usage API and the
 * invoice run use — for one account's month, and for a batch of accounts, several times each.
 * Baseline in the same run: a plain GROUP BY over the same rows without de-duplication.
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register load-tests/sink/usage-query-bench.ts \
 *     [--events 1000000] [--accounts 10000] [--repeat 5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ClickhouseRatedEventStore,
  createClickhouseClient,
  ident,
  migrateClickhouse,
  queryUsage,
  sql,
  toRatedEventRow,
} from '@app/analytics';
import { startClickhouse } from '@app/devstack';
import { ratedEvent } from '@app/events/testing';

const INSERT_BATCH = 50_000;
const MONTH_START_MS = Date.UTC(2026, 10, 1);
const MONTH_MS = 30 * 24 * 3_600_000;
const RATING_GROUPS = [10, 20, 30];

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function timeIt(repeat: number, fn: () => Promise<unknown>): Promise<{ p50: number; max: number }> {
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), max: times[times.length - 1] };
}

async function main(): Promise<void> {
  const events = arg('events', 1_000_000);
  const accounts = arg('accounts', 10_000);
  const repeat = arg('repeat', 5);
  const dir = mkdtempSync(join(tmpdir(), 'ratel-usage-bench-'));
  const server = process.env.CLICKHOUSE_URL ? undefined : await startClickhouse({ dir });
  const url = process.env.CLICKHOUSE_URL ?? server!.url;
  const database = `usage_bench_${process.pid}`;
  const client = createClickhouseClient({ url, requestTimeoutMs: 300_000 });
  try {
    await migrateClickhouse(url, database);
    const store = new ClickhouseRatedEventStore(client, database);
    const t0 = Date.now();
    let stored = 0;
    for (let base = 0; base < events; base += INSERT_BATCH) {
      const rows = [];
      for (let i = base; i < Math.min(events, base + INSERT_BATCH); i++) {
        const e = ratedEvent(`ev-${i}`, {
          accountId: `acc-${i % accounts}`,
          ratingGroup: RATING_GROUPS[i % RATING_GROUPS.length],
          amountMicros: String(1_000 + (i % 997)),
          occurredAtMs: MONTH_START_MS + (i % MONTH_MS),
        });
        const row = toRatedEventRow(e, { streamSeq: i + 1, ingestedAtMs: Date.now() });
        rows.push(row);
        if (i % 10 === 0) rows.push(row); // a redelivered copy
      }
      await store.insertRatedEvents(rows);
      stored += rows.length;
    }
    const insertS = (Date.now() - t0) / 1000;
    process.stdout.write(`inserted ${stored} rows (${events} distinct events, ${accounts} accounts) in ${insertS.toFixed(1)} s\n`);

    const period = { fromMs: MONTH_START_MS, toMs: MONTH_START_MS + MONTH_MS };
    const one = await timeIt(repeat, () => queryUsage(client, database, { accountIds: ['acc-42'], ...period }));
    const batch = Array.from({ length: 1_000 }, (_, i) => `acc-${i}`);
    const many = await timeIt(repeat, () => queryUsage(client, database, { accountIds: batch, ...period }));
    const plain =
      sql`SELECT accountId, serviceId, ratingGroup, sum(amountMicros) FROM ${ident(database)}.rated_events GROUP BY accountId, serviceId, ratingGroup FORMAT Null`
        .text;
    const baseline = await timeIt(repeat, () => client.command({ query: plain }));
    const lines = await queryUsage(client, database, { accountIds: ['acc-42'], ...period });
    const expectedEvents = BigInt(Math.ceil((events - 42) / accounts));
    const got = lines.reduce((s, l) => s + l.events, 0n);
    process.stdout.write(
      [
        `queryUsage, 1 account, 1 month:      p50 ${one.p50.toFixed(1)} ms, max ${one.max.toFixed(1)} ms`,
        `queryUsage, 1,000 accounts, 1 month: p50 ${many.p50.toFixed(1)} ms, max ${many.max.toFixed(1)} ms`,
        `baseline: plain GROUP BY over all ${stored} rows, no de-duplication: p50 ${baseline.p50.toFixed(1)} ms`,
        `check: acc-42 counted ${got} events, expected ${expectedEvents} (copies de-duplicated): ${got === expectedEvents ? 'ok' : 'MISMATCH'}`,
      ].join('\n') + '\n',
    );
    if (got !== expectedEvents) process.exitCode = 1;
  } finally {
    await client.command({ query: sql`DROP DATABASE IF EXISTS ${ident(database)}`.text }).catch(() => undefined);
    await client.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`usage-query-bench: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
