/**
 * Credit notes netted against open documents (net-credit-notes.ts) against real PostgreSQL: by kind
 * (ACCOUNT_CREDIT oldest first, OFFSET its corrected document first, REFUND never), in the note's
 * currency only, once (a second run and a concurrent run net nothing more), with the ledger checks
 * holding, and the payment that follows matched to what is left: the exact-amount rule finds the
 * invoice the note reduced, and a reversal of that payment reopens only its own part.
 */
import { Pool } from 'pg';
import { migrate, withTransaction } from '@app/db';
import { createTestDatabase } from '@app/devstack';
import { LedgerChecks } from '../ledger/ledger-checks';
import { ManualPayments, parseManualPayment } from '../payments/manual-payment';
import { issueCreditNote, seedReceivables } from '../testing/receivables-fixtures';
import { HandAllocation } from './allocate-by-hand';
import { CreditApplier } from './apply-credit';
import { PaymentApplier } from './apply-payment';
import { CreditNoteNetting } from './net-credit-notes';
import { reversePayment } from './reverse-payment';

const NOW = Date.UTC(2026, 11, 4, 8);
const AT = new Date(NOW);

let pool: Pool;
let netting: CreditNoteNetting;
const settled: string[] = [];

beforeAll(async () => {
  const url = await createTestDatabase('netting');
  await migrate(url);
  pool = new Pool({ connectionString: url, max: 6 });
  netting = new CreditNoteNetting(pool, async (accountId) => {
    settled.push(accountId);
  });
  await seedReceivables(pool, {
    accounts: ['acc-1', 'acc-2', 'acc-3', 'acc-4', 'acc-5'],
    invoices: [
      { n: 1, accountId: 'acc-1', grossMinor: 2000n, issueDate: '2026-09-01' },
      { n: 2, accountId: 'acc-1', grossMinor: 5000n, issueDate: '2026-10-01' },
      { n: 3, accountId: 'acc-2', grossMinor: 4000n, issueDate: '2026-09-01' },
      { n: 4, accountId: 'acc-2', grossMinor: 6000n, issueDate: '2026-10-01' },
      { n: 5, accountId: 'acc-3', grossMinor: 3000n, issueDate: '2026-10-01' },
      { n: 6, accountId: 'acc-3', grossMinor: 3000n, issueDate: '2026-10-02', currency: 'USD' },
      { n: 7, accountId: 'acc-4', grossMinor: 12000n, issueDate: '2026-11-01' },
      { n: 8, accountId: 'acc-5', grossMinor: 9000n, issueDate: '2026-11-01' },
    ],
    at: AT,
  });
});

afterAll(async () => {
  await pool?.end();
});

const docs = async (...ids: string[]) =>
  Object.fromEntries(
    (
      await pool.query<{ id: string; status: string; paid: string }>(
        `select id, status, paid_minor::text as paid from billing_document where id = any($1::text[])`,
        [ids],
      )
    ).rows.map((r) => [r.id, `${r.status} ${r.paid}`]),
  );
const ledgerOk = async (accountId?: string) => (await new LedgerChecks(pool).run({ ...(accountId ? { accountId } : {}), nowMs: NOW })).ok;
/** A transfer booked by hand, matched like every payment (by the reference: an invoice number or an account id). */
const transfer = (key: string, amountMinor: string, reference: string, valueDate: string) =>
  new ManualPayments(pool, new PaymentApplier(pool)).record(
    parseManualPayment(key, { method: 'TRANSFER', amountMinor, currency: 'EUR', reference, valueDate }, 'op', '2026-12-04'),
    NOW,
  );

it('an ACCOUNT_CREDIT note pays the oldest open documents first, once, with its trail, event and audit', async () => {
  await issueCreditNote(pool, { id: 'cn-1', accountId: 'acc-1', grossMinor: 3000n, issueDate: '2026-11-15' }, AT);
  expect(await ledgerOk('acc-1')).toBe(true);
  const done = await netting.netAccount('acc-1', NOW);
  expect(done).toEqual([
    {
      creditNoteId: 'cn-1',
      ledgerTransactionId: expect.stringMatching(/^lt-/),
      currency: 'EUR',
      applications: [
        { documentId: 'doc-1', amountMinor: 2000n },
        { documentId: 'doc-2', amountMinor: 1000n },
      ],
    },
  ]);
  expect(await docs('doc-1', 'doc-2', 'cn-1')).toEqual({ 'doc-1': 'PAID 2000', 'doc-2': 'PARTIALLY_PAID 1000', 'cn-1': 'PAID 3000' });
  expect(await ledgerOk('acc-1')).toBe(true);
  expect(settled).toEqual(['acc-1']);

  const trail = await pool.query(
    `select credit_note_id, document_id, amount_minor::text as amount from credit_note_application where credit_note_id = 'cn-1' order by id`,
  );
  expect(trail.rows).toEqual([
    { credit_note_id: 'cn-1', document_id: 'doc-1', amount: '2000' },
    { credit_note_id: 'cn-1', document_id: 'doc-2', amount: '1000' },
  ]);
  const events = await pool.query(`select subject, payload from collections_outbox where payload->>'type' = 'CREDIT_NOTE_APPLIED'`);
  expect(events.rows).toEqual([
    {
      subject: 'ratel.collections.v1.credit-note-applied.acc-1',
      payload: expect.objectContaining({
        creditNoteId: 'cn-1',
        currency: 'EUR',
        applications: [
          { documentId: 'doc-1', amountMinor: '2000' },
          { documentId: 'doc-2', amountMinor: '1000' },
        ],
        creditNoteOpenMinor: '0',
      }),
    },
  ]);
  const audit = await pool.query(`select actor, action from audit_log where entity_id = 'cn-1'`);
  expect(audit.rows).toEqual([{ actor: 'collections:credit-note', action: 'credit_note.applied' }]);

  // Again, and twice at once: nothing more.
  expect(await netting.netAccount('acc-1', NOW)).toEqual([]);
  expect(await Promise.all([netting.netAccount('acc-1', NOW), netting.run(NOW)])).toEqual([
    [],
    { accounts: 0, creditNotes: 0, nettedMinor: 0n },
  ]);
  expect(await docs('doc-1', 'doc-2', 'cn-1')).toEqual({ 'doc-1': 'PAID 2000', 'doc-2': 'PARTIALLY_PAID 1000', 'cn-1': 'PAID 3000' });
});

it('an OFFSET note pays the document it corrects first, the rest oldest first; a REFUND note waits for its refund', async () => {
  // doc-4 (6000) is half paid; its credit note of 5000 pays the 3000 left of it, then 2000 of the older doc-3.
  await transfer('net-pay-0', '3000', 'INV2026-000004', '2026-12-01');
  await issueCreditNote(
    pool,
    { id: 'cn-2', accountId: 'acc-2', grossMinor: 5000n, issueDate: '2026-11-15', creditKind: 'OFFSET', correctsDocumentId: 'doc-4' },
    AT,
  );
  await issueCreditNote(pool, { id: 'cn-3', accountId: 'acc-2', grossMinor: 500n, issueDate: '2026-11-16', creditKind: 'REFUND' }, AT);
  const done = await netting.netAccount('acc-2', NOW);
  expect(done.map((d) => [d.creditNoteId, d.applications])).toEqual([
    [
      'cn-2',
      [
        { documentId: 'doc-4', amountMinor: 3000n },
        { documentId: 'doc-3', amountMinor: 2000n },
      ],
    ],
  ]);
  expect(await docs('doc-3', 'doc-4', 'cn-2', 'cn-3')).toEqual({
    'doc-3': 'PARTIALLY_PAID 2000',
    'doc-4': 'PAID 6000',
    'cn-2': 'PAID 5000',
    'cn-3': 'ISSUED 0',
  });
  expect(await ledgerOk('acc-2')).toBe(true);
});

it("nets only documents of the note's currency, and leaves what is left of the note open for the next document", async () => {
  await issueCreditNote(pool, { id: 'cn-4', accountId: 'acc-3', grossMinor: 5000n, issueDate: '2026-11-15' }, AT);
  const summary = await netting.run(NOW);
  expect(summary).toEqual({ accounts: 1, creditNotes: 1, nettedMinor: 3000n });
  expect(await docs('doc-5', 'doc-6', 'cn-4')).toEqual({ 'doc-5': 'PAID 3000', 'doc-6': 'ISSUED 0', 'cn-4': 'PARTIALLY_PAID 3000' });
  expect(await ledgerOk()).toBe(true);
  // The next invoice takes the remaining 2000.
  await seedReceivables(pool, {
    accounts: [],
    invoices: [{ n: 9, accountId: 'acc-3', grossMinor: 2500n, issueDate: '2026-12-01' }],
    at: AT,
  });
  expect(await netting.run(NOW)).toEqual({ accounts: 1, creditNotes: 1, nettedMinor: 2000n });
  expect(await docs('doc-9', 'cn-4')).toEqual({ 'doc-9': 'PARTIALLY_PAID 2000', 'cn-4': 'PAID 5000' });
  expect(await ledgerOk()).toBe(true);
});

it('the payment of what is left is matched by exact amount; its reversal reopens only its own part', async () => {
  await issueCreditNote(pool, { id: 'cn-5', accountId: 'acc-4', grossMinor: 2000n, issueDate: '2026-11-20' }, AT);
  // As the process runs it: credit notes first (then cash credit, none here).
  const credits = new CreditApplier(pool, new HandAllocation(pool), netting);
  expect(await credits.run(NOW)).toMatchObject({ creditNotes: 1, nettedMinor: 2000n, allocations: 0 });
  const paid = await transfer('net-pay-1', '10000', 'acc-4', '2026-12-03');
  expect(paid).toMatchObject({ accountId: 'acc-4', status: 'ALLOCATED', matchRule: 'ACCOUNT_EXACT_AMOUNT' });
  expect(await docs('doc-7', 'cn-5')).toEqual({ 'doc-7': 'PAID 12000', 'cn-5': 'PAID 2000' });
  await withTransaction(pool, (c) => reversePayment(c, { paymentId: paid.paymentId, reason: 'AM04', postedOn: '2026-12-04', now: AT }));
  expect(await docs('doc-7', 'cn-5')).toEqual({ 'doc-7': 'PARTIALLY_PAID 2000', 'cn-5': 'PAID 2000' });
  expect(await ledgerOk()).toBe(true);
});

it('a note issued after the invoice was partly paid nets against what is still open', async () => {
  await transfer('net-pay-2', '7000', 'INV2026-000008', '2026-12-02');
  await issueCreditNote(
    pool,
    { id: 'cn-6', accountId: 'acc-5', grossMinor: 2000n, issueDate: '2026-12-03', creditKind: 'OFFSET', correctsDocumentId: 'doc-8' },
    AT,
  );
  expect(await netting.run(NOW)).toMatchObject({ creditNotes: 1, nettedMinor: 2000n });
  expect(await docs('doc-8', 'cn-6')).toEqual({ 'doc-8': 'PAID 9000', 'cn-6': 'PAID 2000' });
  expect(await ledgerOk()).toBe(true);
});
