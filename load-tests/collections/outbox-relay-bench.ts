/**
 * The collections outbox relay over a statement import's batch rows (issue 10): R rows of B payments each
 * (a PAYMENT_RECEIVED and a PAYMENT_ALLOCATED event per payment), written as an import writes them, then
 * drained by the relay (PgOutboxRelay: the rows read through the SQL function outbox_events, each event
 * published and acknowledged one after the other) to a JetStream stream of this run's own nats-server.
 * Three times: the rows in their compact form (paymentsReceivedBatch, Migration20261206005100), as the events
 * themselves (the array form, Migration20261205004600), and the same events one plain row each (as a return or a
 * dunning step writes its event), so the forms' cost to the relay is compared.
 *
 * Baseline in the same run: the same events (ids, subjects, payload bytes), built in memory, published one
 * after the other through the relay's own publisher (PubAckChannel, one in flight): the JetStream floor the
 * relay cannot go below. The ratio is relay / baseline.
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register load-tests/collections/outbox-relay-bench.ts [--rows 100] [--payments 500]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { Pool } from 'pg';
import { migrate, withTransaction } from '@app/db';
import { startNats, startPostgres } from '@app/devstack';
import {
  collectionsEvent,
  COLLECTIONS_STREAM,
  COLLECTIONS_SUBJECTS,
  type PaymentReceivedItem,
  paymentReceivedEvents,
  PubAckChannel,
} from '@app/events';
import { ensureEventStream } from '@app/events/outbox-stream';
import { PgOutboxRelay } from '@app/events/pg-outbox-relay';
import { createLogger } from '@app/observability';
import {
  collectionsEventBatchStatement,
  paymentsReceivedEventsStatement,
  writeCollectionsEvents,
} from '../../apps/collections/src/events/collections-outbox';
import { Args } from '../lib/args';
import { cpuSecondsOfTree } from '../lib/proc';

/** The payments of row `r` of form `form`: every fourth unidentified (no allocation), the others paying one document. */
function itemsOf(form: string, r: number, b: number): PaymentReceivedItem[] {
  return Array.from({ length: b }, (_, i) => {
    const k = r * b + i;
    const paymentId = `pay-${form}-${String(k).padStart(9, '0')}`;
    const identified = k % 4 !== 3;
    return {
      paymentId,
      accountId: identified ? `acc-${k}` : null,
      channel: 'BANK_TRANSFER',
      currency: 'EUR',
      amountMinor: String(1_000 + (k % 90_000)),
      unappliedMinor: identified ? '0' : String(1_000 + (k % 90_000)),
      valueDate: '2026-12-02',
      status: identified ? 'ALLOCATED' : 'SUSPENSE',
      matchRule: identified ? 'RF_REFERENCE' : null,
      allocated: identified
        ? {
            ledgerTransactionId: `lt-payment-received|pay-${form}-${r}`,
            allocations: [{ documentId: `doc-${k}`, amountMinor: String(1_000 + (k % 90_000)) }],
          }
        : undefined,
    };
  });
}

async function main(): Promise<void> {
  const args = new Args();
  const rows = Number(args.str('rows', '100'));
  const b = Number(args.str('payments', '500'));
  if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(b) || b < 1 || b > 500)
    throw new Error('--rows: a positive integer; --payments: 1-500 (a batch row holds one import batch)');
  const dir = mkdtempSync(join(tmpdir(), 'ratel-outbox-relay-bench-'));
  const pg = await startPostgres({ dir: join(dir, 'pg'), durable: false });
  const nats = await startNats({ dir: join(dir, 'nats') });
  const nc = await connect({ servers: nats.url });
  const pool = new Pool({ connectionString: pg.url, max: 2 });
  const logger = createLogger('outbox-relay-bench', 'silent');
  try {
    await migrate(pg.url);
    await ensureEventStream(await nc.jetstreamManager(), { name: COLLECTIONS_STREAM, subjects: COLLECTIONS_SUBJECTS });
    const at = new Date(Date.UTC(2026, 11, 2, 18));
    // This process's own CPU: its tree holds the two servers it started.
    const nodeCpuNow = () => cpuSecondsOfTree(process.pid) - cpuSecondsOfTree(pg.pid) - cpuSecondsOfTree(nats.pid);
    const results: { form: string; events: number; s: number; nodeCpu: number; pgCpu: number; bytes: number }[] = [];
    for (const form of ['compact', 'array', 'plain'] as const) {
      let events = 0;
      for (let r = 0; r < rows; r++) {
        const items = itemsOf(form, r, b);
        events += items.flatMap(paymentReceivedEvents).length;
        if (form === 'plain') await withTransaction(pool, (c) => writeCollectionsEvents(c, items.flatMap(paymentReceivedEvents), at));
        else
          await pool.query(
            form === 'compact'
              ? paymentsReceivedEventsStatement(items, at)!
              : collectionsEventBatchStatement(items.flatMap(paymentReceivedEvents), at)!,
          );
      }
      // A plain row holds one event: the relay's per-row cost, beside the batch rows' per-event cost.
      const rowsWritten = form === 'plain' ? events : rows;
      const {
        rows: [{ bytes }],
      } = await pool.query<{ bytes: string }>(
        `select coalesce(sum(octet_length(coalesce(events::text, payload::text))), 0)::text as bytes from collections_outbox where published_at is null`,
      );
      const relay = new PgOutboxRelay({ pool, nats: nc, table: 'collections_outbox', logger, nowMs: Date.now });
      const cpu0 = nodeCpuNow();
      const pgCpu0 = cpuSecondsOfTree(pg.pid);
      const natsCpu0 = cpuSecondsOfTree(nats.pid);
      const t = Date.now();
      const drained = await relay.drain();
      const s = (Date.now() - t) / 1000;
      const pgCpu = cpuSecondsOfTree(pg.pid) - pgCpu0;
      const natsCpu = cpuSecondsOfTree(nats.pid) - natsCpu0;
      const nodeCpu = nodeCpuNow() - cpu0;
      await relay.stop();
      if (drained !== rowsWritten || relay.snapshot.published !== events)
        throw new Error(`${form}: drained ${drained} rows, ${relay.snapshot.published} events, not ${rowsWritten} and ${events}`);
      results.push({ form, events, s, nodeCpu, pgCpu, bytes: Number(bytes) });
      console.log(
        `relay, ${form} rows: ${rowsWritten} rows, ${events} events (${(Number(bytes) / rowsWritten / 1000).toFixed(1)} kB a row) in ${s.toFixed(1)} s = ${(events / s).toFixed(0)} events/s; CPU node ${nodeCpu.toFixed(1)} s, PostgreSQL ${pgCpu.toFixed(1)} s, nats-server ${natsCpu.toFixed(1)} s`,
      );
    }

    // Baseline: the same number of events, built beforehand, published through the relay's own publisher.
    const built = itemsOf('raw', 0, b)
      .flatMap(paymentReceivedEvents)
      .map((e) => collectionsEvent(e.input, e.source, at));
    const channel = new PubAckChannel(nc, { inflightMax: 1, ackTimeoutMs: 5_000 });
    const total = results[0].events;
    const cpu0 = nodeCpuNow();
    const t = Date.now();
    for (let i = 0; i < total; i++) {
      const e = built[i % built.length];
      const ok = await channel.publish(e.subject, Buffer.from(JSON.stringify(e.payload), 'utf8'), `${e.eventId}-${i}`);
      if (!ok.ok) throw new Error(`baseline publish failed: ${ok.error}`);
    }
    const rawS = (Date.now() - t) / 1000;
    channel.close();
    const rawCpu = nodeCpuNow() - cpu0;
    console.log(
      `baseline, raw publish of ${total} events one at a time: ${rawS.toFixed(1)} s = ${(total / rawS).toFixed(0)} events/s; CPU node ${rawCpu.toFixed(1)} s`,
    );
    for (const r of results) console.log(`ratio relay (${r.form}) / raw publish: ${(r.s / rawS).toFixed(2)}x`);
  } finally {
    await nc.close();
    await pool.end();
    await nats.stop();
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
