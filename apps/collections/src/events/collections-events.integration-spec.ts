/**
 * `ratel.collections.v1` against real PostgreSQL and NATS JetStream: each change writes its event in
 * its own transaction (a payment received and allocated at receipt, suspense allocated by hand, a
 * return, a dunning step), a replay or a refused request writes none, and the relay publishes every
 * outbox row once, in the order written, to the RATEL_COLLECTIONS stream with its event id as
 * Nats-Msg-Id.
 */
import {
  type CollectionsEvent,
  collectionsEvent,
  COLLECTIONS_STREAM,
  COLLECTIONS_SUBJECTS,
  type PaymentReceivedItem,
  paymentReceivedEvents,
} from '@app/events';
import { startOutboxStream } from '@app/events/outbox-stream';
import { migrate, withTransaction } from '@app/db';
import { createTestDatabase, requireEnv, waitFor } from '@app/devstack';
import { createLogger } from '@app/observability';
import { connect, type NatsConnection } from 'nats';
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { Registry } from 'prom-client';
import { Dunning } from '../dunning/dunning';
import { HandAllocation, parseHandAllocation } from '../matching/allocate-by-hand';
import { PaymentApplier } from '../matching/apply-payment';
import { reversePayment } from '../matching/reverse-payment';
import { CollectionsError } from '../payments/collections-error';
import { paymentsReceivedEventsStatement } from './collections-outbox';
import { ManualPayments, parseManualPayment } from '../payments/manual-payment';
import { seedReceivables } from '../testing/receivables-fixtures';

const NOW = Date.UTC(2026, 11, 3, 8);
/** Event ids come from what happened (payment keys, accounts): this run's own, so other specs on the same NATS never share one. */
const U = `ev${randomBytes(4).toString('hex')}`;
const A1 = `${U}-1`;
const A2 = `${U}-2`;
const AT = new Date(NOW);

let pool: Pool;
let nc: NatsConnection;
let manual: ManualPayments;

const outbox = async () =>
  (
    await pool.query<{ id: string; event_id: string; subject: string; payload: CollectionsEvent; published: boolean }>(
      // The view: one row per event, a payment's events written as one outbox row (Migration20261205004600) as well.
      `select row_id::text as id, event_id, subject, payload, published_at is not null as published from collections_event order by row_id, row_order`,
    )
  ).rows;

const pay = (key: string, body: Record<string, unknown>) =>
  manual.record(
    parseManualPayment(`${U}-${key}`, { method: 'TRANSFER', currency: 'EUR', valueDate: '2026-12-01', ...body }, 'spec', '2026-12-03'),
    NOW,
  );

beforeAll(async () => {
  const url = await createTestDatabase('colevents');
  await migrate(url);
  pool = new Pool({ connectionString: url, max: 4 });
  nc = await connect({ servers: requireEnv('NATS_URL') });
  await seedReceivables(pool, {
    accounts: [A1, A2],
    invoices: [
      { n: 1, accountId: A1, grossMinor: 5000n, issueDate: '2026-11-01' },
      { n: 2, accountId: A2, grossMinor: 7000n, issueDate: '2026-09-01' },
    ],
    at: AT,
  });
  manual = new ManualPayments(pool, new PaymentApplier(pool));
});

afterAll(async () => {
  await nc?.close();
  await pool?.end();
});

describe('events written with their change', () => {
  it('a payment matched at receipt: PAYMENT_RECEIVED then PAYMENT_ALLOCATED; its replay writes nothing', async () => {
    const r = await pay('m-1', { amountMinor: '5000', documentId: 'doc-1' });
    await pay('m-1', { amountMinor: '5000', documentId: 'doc-1' });
    const rows = await outbox();
    expect(rows.map((e) => [e.subject, e.payload.type])).toEqual([
      [`ratel.collections.v1.payment-received.${A1}`, 'PAYMENT_RECEIVED'],
      [`ratel.collections.v1.payment-allocated.${A1}`, 'PAYMENT_ALLOCATED'],
    ]);
    expect(rows[0].payload).toMatchObject({
      schema: 'ratel.collections.v1',
      eventId: rows[0].event_id,
      occurredAt: AT.toISOString(),
      paymentId: r.paymentId,
      accountId: A1,
      channel: 'MANUAL',
      amountMinor: '5000',
      unappliedMinor: '0',
      status: 'ALLOCATED',
      matchRule: 'DOCUMENT_NUMBER',
    });
    expect(rows[1].payload).toMatchObject({ allocations: [{ documentId: 'doc-1', amountMinor: '5000' }], unappliedMinor: '0' });
  });

  it('money nobody was identified for goes to _suspense; its allocation by hand is PAYMENT_ALLOCATED; a refused one writes nothing', async () => {
    const r = await pay('m-2', { amountMinor: '9000', reference: 'who knows' });
    const hand = new HandAllocation(pool);
    const before = (await outbox()).length;
    await expect(
      hand.execute(
        parseHandAllocation(r.paymentId, `${U}-h-bad`, { accountId: A2, allocations: [{ documentId: 'doc-1', amountMinor: '1' }] }, 'op'),
        NOW,
      ),
    ).rejects.toBeInstanceOf(CollectionsError);
    expect((await outbox()).length).toBe(before);
    await hand.execute(
      parseHandAllocation(r.paymentId, `${U}-h-1`, { accountId: A2, allocations: [{ documentId: 'doc-2', amountMinor: '7000' }] }, 'op'),
      NOW,
    );
    const rows = (await outbox()).slice(-2);
    expect(rows.map((e) => e.subject)).toEqual([
      'ratel.collections.v1.payment-received._suspense',
      `ratel.collections.v1.payment-allocated.${A2}`,
    ]);
    expect(rows[0].payload).toMatchObject({ accountId: null, status: 'SUSPENSE', matchRule: null });
    expect(rows[1].payload).toMatchObject({
      accountId: A2,
      allocations: [{ documentId: 'doc-2', amountMinor: '7000' }],
      unappliedMinor: '2000',
    });
  });

  it('a return undoes the allocations and says which documents reopened; a dunning step is DUNNING_STEP_TAKEN', async () => {
    const paymentId = (await outbox()).find((e) => e.payload.type === 'PAYMENT_ALLOCATED' && e.payload.accountId === A2)!.payload;
    const id = (paymentId as { paymentId: string }).paymentId;
    await withTransaction(pool, (c) => reversePayment(c, { paymentId: id, reason: 'AM04', postedOn: '2026-12-03', now: AT }));
    const returned = (await outbox()).at(-1)!;
    expect(returned.subject).toBe(`ratel.collections.v1.payment-returned.${A2}`);
    expect(returned.payload).toMatchObject({
      paymentId: id,
      amountMinor: '9000',
      reason: 'AM04',
      reopened: [{ documentId: 'doc-2', amountMinor: '7000' }],
    });
    // doc-2 (due 2026-09-15) is overdue again: the first steps of the ladder are taken, each with its event.
    await new Dunning(pool, undefined).evaluateAccount(A2, '2026-09-20', NOW);
    const steps = (await outbox()).filter((e) => e.payload.type === 'DUNNING_STEP_TAKEN');
    expect(steps.length).toBeGreaterThan(0);
    expect(steps[0].subject).toBe(`ratel.collections.v1.dunning-step.${A2}`);
    expect(steps[0].payload).toMatchObject({
      accountId: A2,
      stepNo: 1,
      action: 'REMINDER_EMAIL',
      overdueMinor: '7000',
      takenOn: '2026-09-20',
    });
    const again = (await outbox()).length;
    await new Dunning(pool, undefined).evaluateAccount(A2, '2026-09-20', NOW);
    expect((await outbox()).length).toBe(again);
  });
});

describe("a statement import's batch row (payments received together)", () => {
  const item = (n: string, x: Partial<PaymentReceivedItem> = {}): PaymentReceivedItem => ({
    paymentId: `pay-${U}.b_${n}`,
    accountId: A1,
    channel: 'BANK_TRANSFER',
    currency: 'EUR',
    amountMinor: '1200',
    unappliedMinor: '0',
    valueDate: '2026-12-02',
    status: 'ALLOCATED',
    matchRule: 'RF_REFERENCE',
    allocated: { ledgerTransactionId: `lt-payment-received|pay-${U}.b_1`, allocations: [{ documentId: 'doc-1', amountMinor: '1200' }] },
    ...x,
  });
  const items = [
    item('1'),
    // Nobody identified: no account, no rule, nothing allocated (no PAYMENT_ALLOCATED).
    item('2', { accountId: null, status: 'SUSPENSE', matchRule: null, unappliedMinor: '990', amountMinor: '990', allocated: undefined }),
    // Two documents, the rest account credit, another ledger transaction (another currency's receipt).
    item('3', {
      accountId: A2,
      currency: 'USD',
      amountMinor: '10000',
      unappliedMinor: '2500',
      status: 'UNAPPLIED',
      matchRule: 'ACCOUNT_OLDEST_FIRST',
      allocated: {
        ledgerTransactionId: `lt-payment-received|pay-${U}.b_3`,
        allocations: [
          { documentId: 'doc-2', amountMinor: '7000' },
          { documentId: 'doc-1', amountMinor: '500' },
        ],
      },
    }),
    item('4', {
      amountMinor: '1',
      allocated: { ledgerTransactionId: `lt-payment-received|pay-${U}.b_1`, allocations: [{ documentId: 'doc-1', amountMinor: '1' }] },
    }),
  ];
  const expected = (xs: readonly PaymentReceivedItem[]) =>
    xs.flatMap(paymentReceivedEvents).map((e) => {
      const built = collectionsEvent(e.input, e.source, AT);
      return { event_id: built.eventId, subject: built.subject, payload: built.payload };
    });
  const written = async (xs: readonly PaymentReceivedItem[]) => {
    const q = paymentsReceivedEventsStatement(xs, AT)!;
    const {
      rows: [row],
    } = await pool.query<{ id: string; text: string }>(`${q.text} returning id::text, events::text as text`, q.values);
    const { rows } = await pool.query<{ event_id: string; subject: string; payload: CollectionsEvent }>(
      `select event_id, subject, payload from collections_event where row_id = $1 order by row_order`,
      [row.id],
    );
    return { text: row.text, rows };
  };

  it('is written compact, and gives back exactly the events collectionsEvent builds (ids, subjects, every field), in order', async () => {
    const { text, rows } = await written(items);
    expect(text.startsWith('{"form":"payments-received.v1",')).toBe(true);
    expect(text.length).toBeLessThan(JSON.stringify(expected(items)).length / 3);
    expect(rows).toEqual(expected(items));
  });

  it('is written as the events themselves when a payment id is too long for the plain event id, with the same events', async () => {
    const long = [
      item('5', { paymentId: `pay-${U}-${'x'.repeat(60)}`, allocated: undefined, status: 'UNAPPLIED', unappliedMinor: '1200' }),
    ];
    const { text, rows } = await written(long);
    expect(text.startsWith('[')).toBe(true);
    expect(rows).toEqual(expected(long));
  });
});

describe('the relay', () => {
  it('publishes every row once, in the order written, with the event id as Nats-Msg-Id, and marks it published', async () => {
    const rows = await outbox();
    const registry = new Registry();
    const relay = await startOutboxStream({
      name: 'collections',
      table: 'collections_outbox',
      stream: { name: COLLECTIONS_STREAM, subjects: COLLECTIONS_SUBJECTS },
      pool,
      nats: nc,
      registry,
      logger: createLogger('collections-events-spec', 'silent'),
      nowMs: () => Date.now(),
    });
    try {
      await waitFor('the outbox published', async () => (await outbox()).every((r) => r.published), 30_000);
    } finally {
      await relay.stop();
    }
    // The stream may be shared with other specs' processes on the same server: read ours by event id.
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info(COLLECTIONS_STREAM);
    const ours = new Set(rows.map((r) => r.event_id));
    const seen: { id: string; subject: string; payload: unknown }[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const m = await jsm.streams.getMessage(COLLECTIONS_STREAM, { seq }).catch(() => null);
      const id = m?.header.get('Nats-Msg-Id') ?? '';
      if (m !== null && ours.has(id)) seen.push({ id, subject: m.subject, payload: m.json() });
    }
    expect(seen.map((m) => m.id)).toEqual(rows.map((r) => r.event_id));
    expect(seen.map((m) => m.subject)).toEqual(rows.map((r) => r.subject));
    expect(seen.map((m) => m.payload)).toEqual(rows.map((r) => r.payload));
    expect(await registry.getSingleMetricAsString('ratel_collections_events_published_total')).toContain(
      `ratel_collections_events_published_total ${rows.length}`,
    );
  });
});
