/**
 * A batch is the same as one by one: the same 400 payments (RF references, invoice numbers, account
 * ids with exact and inexact amounts, several payments for one invoice, a payment given twice,
 * unidentified money, another currency) applied with applyMany in batches against one database and
 * one at a time against another give the same payments, allocations, documents, ledger and events;
 * and so does the import's pipeline (apply-pipeline.ts: a batch prepared while the one before it
 * commits), with batch boundaries between the two copies of an entry given twice.
 */
import { Pool, type PoolClient } from 'pg';
import { migrate } from '@app/db';
import { createTestDatabase } from '@app/devstack';
import { creditorReference } from '@app/money';
import { LedgerChecks } from '../ledger/ledger-checks';
import type { ReceivedPayment } from '../payments/statements/statement-types';
import { numberTextOf, seedReceivables } from '../testing/receivables-fixtures';
import { APPLY_BATCH_MAX, type ApplyOutcome, PaymentApplier, PaymentIdCollision, paymentIdOf } from './apply-payment';
import { ApplyPipeline } from './apply-pipeline';

const NOW = Date.UTC(2026, 11, 3, 8);
const ACCOUNTS = 40;
const INVOICES = 120;

function payments(): ReceivedPayment[] {
  const out: ReceivedPayment[] = [];
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648), seed % n);
  for (let k = 0; k < 400; k++) {
    const n = rnd(INVOICES) + 1;
    const kind = rnd(6);
    const amount = BigInt([1000, 2500, 500, 1, 7000, 1234][rnd(6)]);
    const base = {
      kind: 'payment' as const,
      channel: 'BANK_TRANSFER' as const,
      source: 'DE89370400440532013000',
      bankReference: `B-${k}`,
      currency: rnd(25) === 0 ? 'USD' : 'EUR',
      amountMinor: amount,
      valueDate: '2026-12-02',
      bookingDate: '2026-12-02',
      endToEndId: null,
      creditorReferences: [] as string[],
      remittanceInfo: '',
      debtorName: null,
    };
    if (kind === 0) out.push({ ...base, creditorReferences: [creditorReference(numberTextOf(n).replace('-', ''))] });
    else if (kind === 1) out.push({ ...base, remittanceInfo: `invoice ${numberTextOf(n)}` });
    else if (kind === 2) out.push({ ...base, remittanceInfo: `acc-${(n % ACCOUNTS) + 1}` });
    else if (kind === 3) out.push({ ...base, remittanceInfo: `acc-${(n % ACCOUNTS) + 1} ${numberTextOf(n)}` });
    else if (kind === 4) out.push({ ...base, remittanceInfo: `nobody ${k}` });
    else out.push({ ...base, remittanceInfo: `${numberTextOf(n)} ${numberTextOf(((n + 1) % INVOICES) + 1)}` });
    if (k % 50 === 7) out.push({ ...out[out.length - 1] }); // the same entry twice
  }
  return out;
}

async function database(name: string): Promise<Pool> {
  const url = await createTestDatabase(name);
  await migrate(url);
  const pool = new Pool({ connectionString: url, max: 4 });
  await seedReceivables(pool, {
    accounts: Array.from({ length: ACCOUNTS }, (_, i) => `acc-${i + 1}`),
    invoices: Array.from({ length: INVOICES }, (_, i) => ({
      n: i + 1,
      accountId: `acc-${(i % ACCOUNTS) + 1}`,
      grossMinor: BigInt(1000 + ((i * 37) % 9) * 500),
      issueDate: `2026-${String(9 + (i % 3)).padStart(2, '0')}-${String(1 + (i % 27)).padStart(2, '0')}`,
    })),
    at: new Date(NOW),
  });
  return pool;
}

/**
 * What applying leaves, as far as it must not depend on how the payments were batched. Payments applied
 * together share their PAYMENT_RECEIVED transaction (one BANK debit for their sum), so the ledger is
 * compared by its credits (each payment's AR, UNAPPLIED_CASH or SUSPENSE line, a multiset) and its
 * balances per ledger account, party and day, and each allocation by the kind of its transaction; the
 * events without the transaction's id.
 */
async function state(pool: Pool): Promise<unknown> {
  const q = async (sql: string) => (await pool.query(sql)).rows;
  return {
    payments: await q(`select id, account_id, status, match_rule, unapplied_minor::text from payment order by id`),
    allocations: await q(
      `select a.payment_id, a.document_id, a.amount_minor::text, t.kind from payment_allocation a
       join ledger_transaction t on t.id = a.ledger_transaction_id order by a.payment_id, a.document_id`,
    ),
    documents: await q(`select id, status, paid_minor::text from billing_document order by id`),
    credits: await q(
      `select t.kind, p.account_code, p.party_account_id, p.amount_minor::text from ledger_posting p
       join ledger_transaction t on t.id = p.transaction_id where p.amount_minor < 0 order by 1, 2, 3, 4`,
    ),
    balances: await q(
      `select p.account_code, p.party_account_id, t.posted_on::text, sum(p.amount_minor)::text from ledger_posting p
       join ledger_transaction t on t.id = p.transaction_id group by 1, 2, 3 order by 1, 2, 3`,
    ),
    events: await q(
      `select event_id, subject, payload - 'occurredAt' - 'ledgerTransactionId' as payload from collections_event order by event_id`,
    ),
  };
}

/** The PAYMENT_RECEIVED transactions: how many, and how many payments' BANK debits they sum. */
async function receipts(pool: Pool): Promise<{ transactions: number; bankDebits: number }> {
  const { rows } = await pool.query<{ transactions: number; bankDebits: number }>(
    `select count(distinct t.id)::int as transactions, count(*) filter (where p.account_code = 'BANK')::int as "bankDebits"
     from ledger_transaction t join ledger_posting p on p.transaction_id = t.id where t.kind = 'PAYMENT_RECEIVED'`,
  );
  return rows[0];
}

let batched: Pool;
let single: Pool;
let piped: Pool;

beforeAll(async () => {
  [batched, single, piped] = await Promise.all([database('batchmany'), database('batchone'), database('batchpipe')]);
});

afterAll(async () => {
  await batched?.end();
  await single?.end();
  await piped?.end();
});

it('applyMany in batches leaves exactly what one payment at a time leaves', async () => {
  const all = payments();
  const outcomesMany = [];
  for (let i = 0; i < all.length; i += 97)
    outcomesMany.push(...(await new PaymentApplier(batched).applyMany(all.slice(i, i + 97), { importId: null, nowMs: NOW })));
  const outcomesOne = [];
  for (const p of all) outcomesOne.push(await new PaymentApplier(single).apply(p, { importId: null, nowMs: NOW }));
  expect(outcomesMany).toEqual(outcomesOne);
  expect(outcomesOne.filter((o) => !o.created)).toHaveLength(8);
  const rules = new Set(outcomesOne.flatMap((o) => (o.created ? [o.rule ?? 'SUSPENSE'] : [])));
  expect([...rules].sort()).toEqual(['ACCOUNT_EXACT_AMOUNT', 'ACCOUNT_OLDEST_FIRST', 'DOCUMENT_NUMBER', 'RF_REFERENCE', 'SUSPENSE']);
  expect(await state(batched)).toEqual(await state(single));
  expect((await new LedgerChecks(batched).run({ nowMs: NOW })).ok).toBe(true);
  // One at a time: a transaction per payment. In batches: one per batch and currency (each batch is one
  // posting day), with one BANK debit each.
  const created = outcomesOne.filter((o) => o.created).length;
  expect(await receipts(single)).toEqual({ transactions: created, bankDebits: created });
  const { rows: perBatch } = await batched.query<{ n: number }>(
    `select count(*)::int as n from ledger_transaction where kind = 'PAYMENT_RECEIVED'`,
  );
  expect(perBatch[0].n).toBeLessThan(created / 10);
  expect(await receipts(batched)).toEqual({ transactions: perBatch[0].n, bankDebits: perBatch[0].n });
});

it('the pipeline, a batch prepared while the one before it commits, leaves what one payment at a time leaves', async () => {
  const all = payments();
  // Batches of 13 (consecutive batches pay the same invoices), cut between the two copies of each entry given twice.
  const cuts = new Set<number>();
  for (let i = 13; i < all.length; i += 13) cuts.add(i);
  all.forEach((p, i) => i > 0 && p.bankReference === all[i - 1].bankReference && cuts.add(i));
  const bounds = [0, ...[...cuts].sort((a, b) => a - b), all.length];
  const hooked: string[] = [];
  const outcomes: ApplyOutcome[] = [];
  const applier = new PaymentApplier(piped, (accountIds) => Promise.resolve(void hooked.push(...accountIds)));
  const pipeline = new ApplyPipeline(
    applier,
    () => ({ importId: null, nowMs: NOW }),
    (o) => outcomes.push(...o),
  );
  for (let b = 0; b + 1 < bounds.length; b++) await pipeline.push(all.slice(bounds[b], bounds[b + 1]));
  await pipeline.drain();
  const outcomesOne = [];
  const reference = await database('batchpipeone');
  try {
    for (const p of all) outcomesOne.push(await new PaymentApplier(reference).apply(p, { importId: null, nowMs: NOW }));
    expect(outcomes).toEqual(outcomesOne);
    expect(outcomes.filter((o) => !o.created)).toHaveLength(8);
    expect(await state(piped)).toEqual(await state(reference));
  } finally {
    await reference.end();
  }
  expect((await new LedgerChecks(piped).run({ nowMs: NOW })).ok).toBe(true);
  // The after-payment hook ran for every identified account of a payment created, once per batch that paid it.
  const paidAccounts = new Set(outcomes.flatMap((o) => (o.created && o.accountId !== null ? [o.accountId] : [])));
  expect(new Set(hooked)).toEqual(paidAccounts);
});

it('the pipeline stops at a batch that fails: what came before it is committed, it and what came after are not', async () => {
  const mk = (prefix: string, n: number, currency = 'EUR') =>
    Array.from({ length: n }, (_, i) => ({
      ...payments()[0],
      bankReference: `${prefix}-${i}`,
      remittanceInfo: `nobody ${prefix} ${i}`,
      creditorReferences: [],
      currency,
    }));
  const pipeline = new ApplyPipeline(
    new PaymentApplier(batched),
    () => ({ importId: null, nowMs: NOW }),
    () => undefined,
  );
  const pushed = async () => {
    await pipeline.push(mk('FAIL-A', 5));
    await pipeline.push(mk('FAIL-B', 5, 'EURO')); // not a currency column's three letters: the write fails
    await pipeline.push(mk('FAIL-C', 5));
    await pipeline.drain();
  };
  await expect(pushed()).rejects.toThrow(/too long|EURO/);
  await pipeline.abort();
  const { rows } = await batched.query<{ b: string; n: number }>(
    `select split_part(bank_reference, '-', 2) as b, count(*)::int as n from payment where bank_reference like 'FAIL-%' group by 1 order by 1`,
  );
  expect(rows).toEqual([{ b: 'A', n: 5 }]);
  expect((await new LedgerChecks(batched).run({ nowMs: NOW })).ok).toBe(true);
});

it('refuses a batch above APPLY_BATCH_MAX before touching anything', async () => {
  const p = payments()[0];
  await expect(
    new PaymentApplier(batched).applyMany(
      Array.from({ length: APPLY_BATCH_MAX + 1 }, () => p),
      { importId: null, nowMs: NOW },
    ),
  ).rejects.toThrow(RangeError);
});

it('applies a batch again when a concurrent apply of one of its payments commits first: each payment once', async () => {
  const [p, q] = payments()
    .slice(0, 2)
    .map((x, i) => ({ ...x, bankReference: `RACE-${i}`, remittanceInfo: `nobody race ${i}`, creditorReferences: [] }));
  const applier = new PaymentApplier(batched);
  const other = await batched.connect();
  const watcher = await batched.connect();
  try {
    await other.query('begin');
    expect(await applier.applyIn(other, p, { importId: null, nowMs: NOW })).toMatchObject({ created: true });
    // The batch looks p up (not committed: not there), then waits on p's key at its insert.
    const pending = applier.applyMany([p, q], { importId: null, nowMs: NOW });
    for (let i = 0; i < 200; i++) {
      const { rows } = await watcher.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like 'with payments as (insert into payment %'`,
      );
      if (rows[0].n > 0) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    await other.query('commit');
    const outcomes = await pending;
    expect(outcomes[0]).toEqual({ created: false, paymentId: paymentIdOf(p) });
    expect(outcomes[1]).toMatchObject({ created: true, status: 'SUSPENSE' });
    const { rows } = await batched.query<{ n: number }>(`select count(*)::int as n from payment where bank_reference like 'RACE-%'`);
    expect(rows[0].n).toBe(2);
    expect((await new LedgerChecks(batched).run({ nowMs: NOW })).ok).toBe(true);
  } finally {
    other.release();
    watcher.release();
  }
});

it('the pipeline: an entry in two batches in flight, the later batch free to insert it first, never deadlocks and is applied once', async () => {
  const [x, d, e] = payments()
    .slice(0, 3)
    .map((p, i) => ({ ...p, bankReference: `TWICE-${i}`, remittanceInfo: `nobody twice ${i}`, creditorReferences: [] }));
  const other = await batched.connect();
  const watcher = await batched.connect();
  try {
    // Another transaction holds x's key: the first batch's insert waits on it, before it reaches d.
    await other.query('begin');
    await new PaymentApplier(batched).applyIn(other, x, { importId: null, nowMs: NOW });
    const outcomes: ApplyOutcome[] = [];
    const pipeline = new ApplyPipeline(
      new PaymentApplier(batched),
      () => ({ importId: null, nowMs: NOW }),
      (o) => outcomes.push(...o),
    );
    await pipeline.push([x, d]);
    // The second batch carries d too. Prepared now, its insert would take d's key while the first batch
    // waits on x; the first would then wait for it in PostgreSQL, and its commit for the first in node.
    const second = pipeline.push([d, e]);
    let waiting = 0;
    for (let i = 0; i < 200 && waiting === 0; i++) {
      const { rows } = await watcher.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like 'with payments as (insert into payment %'`,
      );
      waiting = rows[0].n;
      if (waiting === 0) await new Promise((r) => setTimeout(r, 25));
    }
    expect(waiting).toBe(1);
    await new Promise((r) => setTimeout(r, 300)); // the second batch's chance to run ahead
    await other.query('rollback'); // x was never applied: the first batch goes on with x and d
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<'stuck'>((r) => (timer = setTimeout(() => r('stuck'), 20_000)));
    const done = second.then(() => pipeline.drain()).then(() => 'done' as const);
    expect(await Promise.race([done, stuck])).toBe('done');
    clearTimeout(timer);
    expect(outcomes.map((o) => o.created)).toEqual([true, true, false, true]);
    const { rows } = await batched.query<{ r: string; n: number }>(
      `select bank_reference as r, count(*)::int as n from payment where bank_reference like 'TWICE-%' group by 1 order by 1`,
    );
    expect(rows).toEqual([
      { r: 'TWICE-0', n: 1 },
      { r: 'TWICE-1', n: 1 },
      { r: 'TWICE-2', n: 1 },
    ]);
    expect((await new LedgerChecks(batched).run({ nowMs: NOW })).ok).toBe(true);
  } finally {
    await other.query('rollback').catch(() => undefined);
    other.release();
    watcher.release();
  }
});

it('refuses a payment whose id is already that of another key (a 48-bit source prefix met), and changes nothing', async () => {
  const p = { ...payments()[0], bankReference: 'COLLIDE-1', remittanceInfo: 'nobody collide', creditorReferences: [] };
  const applier = new PaymentApplier(batched);
  const made = await applier.apply(p, { importId: null, nowMs: NOW });
  expect(made).toMatchObject({ created: true, paymentId: paymentIdOf(p) });
  // Stand-in for a second source whose prefix meets the first: the stored payment's key is not p's.
  await batched.query(`update payment set source = 'ELSEWHERE' where id = $1`, [paymentIdOf(p)]);
  const before = await state(batched);
  await expect(applier.apply(p, { importId: null, nowMs: NOW })).rejects.toThrow(PaymentIdCollision);
  await expect(applier.applyMany([{ ...p, bankReference: 'COLLIDE-2' }, p], { importId: null, nowMs: NOW })).rejects.toThrow(
    PaymentIdCollision,
  );
  expect(await state(batched)).toEqual(before);
});

it('checks an allocation and a payment against what they name once per statement, and keeps payments and imports', async () => {
  const { rows } = await batched.query<{ payment_id: string; document_id: string; ledger_transaction_id: string }>(
    `select payment_id, document_id, ledger_transaction_id from payment_allocation order by id limit 1`,
  );
  const a = rows[0];
  const { rows: others } = await batched.query<{ id: string }>(`select id from billing_document where id <> $1 limit 1`, [a.document_id]);
  const other = others[0].id; // a document this payment does not pay yet: only the ledger reference is wrong
  const allocation = (p: string, d: string, t: string) =>
    `insert into payment_allocation (payment_id, document_id, amount_minor, ledger_transaction_id, created_at) values ('${p}', '${d}', 1, '${t}', now())`;
  const paymentOf = (importId: string) =>
    `insert into payment (id, channel, source, bank_reference, currency, amount_minor, unapplied_minor, value_date, status, import_id, created_at, updated_at)
     values ('pay-refs', 'BANK_TRANSFER', 'S', 'REFS', 'EUR', 1, 1, '2026-12-02', 'SUSPENSE', '${importId}', now(), now())`;
  const refused: [string, string][] = [
    [allocation('pay-none', a.document_id, a.ledger_transaction_id), 'Key (payment_id)=(pay-none) is not present in table "payment"'],
    [allocation(a.payment_id, 'doc-none', a.ledger_transaction_id), 'Key (document_id)=(doc-none) is not an issued document'],
    [allocation(a.payment_id, other, 'lt-none'), 'Key (ledger_transaction_id)=(lt-none) is not present in table "ledger_transaction"'],
    [paymentOf('imp-none'), 'Key (import_id)=(imp-none) is not present in table "bank_statement_import"'],
    [`delete from payment where id = '${a.payment_id}'`, 'is never deleted'],
    [`update payment set id = 'pay-renamed' where id = '${a.payment_id}'`, 'never changes its id'],
    [`update payment set import_id = 'imp-other' where id = '${a.payment_id}'`, 'never changes its statement import'],
  ];
  const before = await state(batched);
  for (const [sql, message] of refused) {
    const error = await batched.query(sql).then(
      () => undefined,
      (e: { code?: string; detail?: string; message: string }) => e,
    );
    expect(error).toBeDefined();
    expect(`${error!.message} ${error!.detail ?? ''}`).toContain(message);
  }
  expect(await state(batched)).toEqual(before);
  // An import that exists: the check passes, and the import is kept (rolled back, to leave the rows as they are).
  const c = await batched.connect();
  try {
    await c.query('begin');
    await c.query(
      `insert into bank_statement_import (id, file_name, file_sha256, status, requested_by, started_at, heartbeat_at) values ('imp-refs', 'f', repeat('0', 64), 'DONE', 'spec', now(), now())`,
    );
    await c.query(paymentOf('imp-refs'));
    await c.query('savepoint s');
    await expect(c.query(`delete from bank_statement_import where id = 'imp-refs'`)).rejects.toThrow(/is never deleted/);
    await c.query('rollback to savepoint s');
    await expect(c.query(`update bank_statement_import set id = 'imp-renamed' where id = 'imp-refs'`)).rejects.toThrow(
      /never changes its id/,
    );
  } finally {
    await c.query('rollback');
    c.release();
  }
});

/** The statements in one transaction on `client`: undefined when it committed, else the message of the commit's error (a statement's error rolls back and is thrown). */
async function committed(client: PoolClient, statements: string[]): Promise<string | undefined> {
  await client.query('begin');
  try {
    for (const sql of statements) await client.query(sql);
  } catch (e) {
    await client.query('rollback');
    throw e;
  }
  return client.query('commit').then(
    () => undefined,
    (e: Error) => e.message,
  );
}

it('checks the sums of the payments a transaction touched at commit, once, whatever the order of its statements', async () => {
  const { rows } = await batched.query<{ id: string; payment_id: string; document_id: string; ledger_transaction_id: string }>(
    `select id, payment_id, document_id, ledger_transaction_id from payment_allocation order by id limit 1`,
  );
  const a = rows[0];
  const { rows: credits } = await batched.query<{ id: string; unapplied_minor: string }>(
    `select id, unapplied_minor::text from payment where status = 'UNAPPLIED' and unapplied_minor > 1 order by id limit 1`,
  );
  const credit = credits[0];
  const paymentOf = (id: string, amount: number, unapplied: number) =>
    `insert into payment (id, channel, source, bank_reference, account_id, currency, amount_minor, unapplied_minor, value_date, status, created_at, updated_at)
     values ('${id}', 'BANK_TRANSFER', 'S', '${id}', 'acc-1', 'EUR', ${amount}, ${unapplied}, '2026-12-02', 'UNAPPLIED', now(), now())`;
  const allocationOf = (payment: string, amount: number) =>
    `insert into payment_allocation (payment_id, document_id, amount_minor, ledger_transaction_id, created_at)
     values ('${payment}', '${a.document_id}', ${amount}, '${a.ledger_transaction_id}', now())`;
  const before = await state(batched);
  const c = await batched.connect();
  const d = await batched.connect();
  try {
    // A payment written before its allocation balances at the end: checked once the transaction asks (or commits), then nothing is pending.
    await c.query('begin');
    await c.query(paymentOf('pay-sum-ok', 100, 60));
    await c.query(allocationOf('pay-sum-ok', 40));
    expect((await c.query(`select count(*)::int as n from payment_sum_pending`)).rows[0].n).toBe(2);
    await c.query('set constraints all immediate');
    expect((await c.query(`select count(*)::int as n from payment_sum_pending`)).rows[0].n).toBe(0);
    await c.query('rollback');

    // Refused at commit, each with the payment and its parts: a payment alone, an allocation, a reversal, an update.
    expect(await committed(c, [paymentOf('pay-sum-1', 100, 60)])).toBe(
      'payment pay-sum-1: live allocations 0 plus unapplied 60 plus returned 0 plus refunded 0 differ from its amount 100',
    );
    expect(await committed(c, [paymentOf('pay-sum-2', 100, 100), allocationOf('pay-sum-2', 40)])).toBe(
      'payment pay-sum-2: live allocations 40 plus unapplied 100 plus returned 0 plus refunded 0 differ from its amount 100',
    );
    const reversal = await committed(c, [
      `insert into payment_allocation_reversal (allocation_id, payment_id, ledger_transaction_id, reason, created_at)
       values (${a.id}, '${a.payment_id}', '${a.ledger_transaction_id}', 'spec', now())`,
    ]);
    expect(reversal).toMatch(new RegExp(`^payment ${a.payment_id}: live allocations \\d+ plus unapplied`));
    expect(await committed(c, [`update payment set unapplied_minor = unapplied_minor - 1 where id = '${credit.id}'`])).toMatch(
      new RegExp(`^payment ${credit.id}: live allocations \\d+ plus unapplied ${BigInt(credit.unapplied_minor) - 1n} `),
    );

    // Two transactions at once: each checks only its own payments.
    await c.query('begin');
    await c.query(paymentOf('pay-sum-bad', 100, 1));
    await d.query('begin');
    await d.query(paymentOf('pay-sum-good', 100, 100));
    await d.query('set constraints all immediate');
    await d.query('rollback');
    expect(
      await c.query('commit').then(
        () => undefined,
        (e: Error) => e.message,
      ),
    ).toMatch(/^payment pay-sum-bad: /);
  } finally {
    c.release();
    d.release();
  }
  expect((await batched.query(`select count(*)::int as n from payment_sum_pending`)).rows[0].n).toBe(0);
  expect(await state(batched)).toEqual(before);
});

it('passes a payment inserted and allocated by its own transaction on the recorded figures, and reads every other one again', async () => {
  const { rows } = await batched.query<{ document_id: string; ledger_transaction_id: string }>(
    `select document_id, min(ledger_transaction_id) as ledger_transaction_id from payment_allocation group by 1 order by 1 limit 2`,
  );
  const [a, other] = rows;
  const paymentOf = (id: string, amount: number, unapplied: number) =>
    `insert into payment (id, channel, source, bank_reference, account_id, currency, amount_minor, unapplied_minor, value_date, status, created_at, updated_at)
     values ('${id}', 'BANK_TRANSFER', 'S', '${id}', 'acc-1', 'EUR', ${amount}, ${unapplied}, '2026-12-02', 'UNAPPLIED', now(), now())`;
  const allocationOf = (payment: string, amount: number, to = a) =>
    `insert into payment_allocation (payment_id, document_id, amount_minor, ledger_transaction_id, created_at)
     values ('${payment}', '${to.document_id}', ${amount}, '${to.ledger_transaction_id}', now())`;
  const reversalOf = (payment: string) =>
    `insert into payment_allocation_reversal (allocation_id, payment_id, ledger_transaction_id, reason, created_at)
     select id, payment_id, ledger_transaction_id, 'spec', now() from payment_allocation where payment_id = '${payment}'`;
  const before = await state(batched);
  const c = await batched.connect();
  try {
    // The payment and its allocations in one statement (as an import writes them), balanced: it passes; rolled back by hand after.
    await c.query('begin');
    await c.query(`with p as (${paymentOf('pay-here-ok', 100, 60)} returning id) ${allocationOf('pay-here-ok', 40)}`);
    await c.query('set constraints all immediate');
    await c.query('rollback');
    // The same, unbalanced: the recorded figures differ, so it is read again and refused with its figures.
    expect(await committed(c, [`with p as (${paymentOf('pay-here-1', 100, 60)} returning id) ${allocationOf('pay-here-1', 30)}`])).toBe(
      'payment pay-here-1: live allocations 30 plus unapplied 60 plus returned 0 plus refunded 0 differ from its amount 100',
    );
    // Balanced as inserted and allocated, then its allocation reversed (nothing else moved): the reversal sends it to the full check.
    expect(await committed(c, [paymentOf('pay-here-2', 100, 60), allocationOf('pay-here-2', 40), reversalOf('pay-here-2')])).toBe(
      'payment pay-here-2: live allocations 0 plus unapplied 60 plus returned 0 plus refunded 0 differ from its amount 100',
    );
    // Balanced as inserted and allocated, then updated: the update sends it to the full check.
    expect(
      await committed(c, [
        paymentOf('pay-here-3', 100, 60),
        allocationOf('pay-here-3', 40),
        `update payment set unapplied_minor = 0, status = 'ALLOCATED' where id = 'pay-here-3'`,
      ]),
    ).toBe('payment pay-here-3: live allocations 40 plus unapplied 0 plus returned 0 plus refunded 0 differ from its amount 100');
    // Checked once mid-transaction (its insert's pending row taken), then allocated beyond: the later allocation alone sends it to the full check.
    expect(
      await committed(c, [
        paymentOf('pay-here-4', 100, 60),
        allocationOf('pay-here-4', 40),
        'set constraints all immediate',
        'set constraints all deferred',
        allocationOf('pay-here-4', 1, other),
      ]),
    ).toBe('payment pay-here-4: live allocations 41 plus unapplied 60 plus returned 0 plus refunded 0 differ from its amount 100');
  } finally {
    c.release();
  }
  expect((await batched.query(`select count(*)::int as n from payment_sum_pending`)).rows[0].n).toBe(0);
  expect(await state(batched)).toEqual(before);
});

it('keeps an issued document as it is but for its status, paid amount and update time', async () => {
  const { rows } = await batched.query<{ id: string }>(`select id from billing_document where status = 'ISSUED' order by id limit 1`);
  const doc = rows[0].id;
  const before = await state(batched);
  const changed = 'an issued document never changes; correct it with a credit or debit note';
  const refused: [string, string][] = [
    [`net_minor = net_minor + 1, gross_minor = gross_minor + 1`, changed],
    [`due_date = due_date + 1`, changed],
    [`payment_reference = 'RF00X'`, changed],
    [`account_id = 'acc-2'`, changed],
    [`hold_reasons = '["X"]'`, changed],
    [`number_text = 'X-1'`, changed],
    [`id = 'doc-renamed'`, changed],
    [`status = 'DRAFT'`, 'it cannot return to DRAFT'],
  ];
  for (const [set, message] of refused)
    await expect(batched.query(`update billing_document set ${set} where id = '${doc}'`)).rejects.toThrow(
      `billing document ${doc} is ISSUED: ${message}`,
    );
  await expect(batched.query(`delete from billing_document where id = '${doc}'`)).rejects.toThrow(
    /an issued or rejected document is never deleted/,
  );
  const c = await batched.connect();
  try {
    await c.query('begin');
    await c.query(`update billing_document set paid_minor = 1, status = 'PARTIALLY_PAID', updated_at = now() where id = '${doc}'`);
    await c.query('rollback');
  } finally {
    c.release();
  }
  expect(await state(batched)).toEqual(before);
});

it('finds a payment stored under an older id form by its key: applied again it is not created, and its stored id is answered', async () => {
  const p = { ...payments()[0], bankReference: 'OLD-FORM-1', remittanceInfo: 'nobody old form', creditorReferences: [] };
  const old = `pay-${'0'.repeat(40)}`;
  await batched.query(
    `insert into payment (id, channel, source, bank_reference, currency, amount_minor, unapplied_minor, value_date, status, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $6, $7, 'SUSPENSE', now(), now())`,
    [old, p.channel, p.source, p.bankReference, p.currency, p.amountMinor.toString(), p.valueDate],
  );
  const before = await state(batched);
  const applier = new PaymentApplier(batched);
  expect(await applier.apply(p, { importId: null, nowMs: NOW })).toEqual({ created: false, paymentId: old });
  expect(await applier.applyMany([p, p], { importId: null, nowMs: NOW })).toEqual([
    { created: false, paymentId: old },
    { created: false, paymentId: old },
  ]);
  expect(await state(batched)).toEqual(before);
});
