/**
 * The ledger property test of issue 10: a randomized, seeded sequence of 10,000 operations against
 * real PostgreSQL through the production use cases (never re-implemented here): invoices issued,
 * payments received (to a document, to an account, unidentified; exact, partial, over), payments
 * returned, refunds (requested; held ones approved or rejected by a second person; approved bank
 * refunds batched), write-offs (dunning's WRITE_OFF step), deposits (taken, applied), allocation of
 * suspense by hand, credit notes issued (of every kind) and netted, and credit applied. After every operation the ledger checks of the accounts it
 * touched must hold, and all of them every 1,000 operations and at the end. A failure names the seed,
 * the step and the operation; RATEL_LEDGER_PROPERTY_SEED replays a sequence.
 */
import { Pool, type PoolClient } from 'pg';
import { migrate, withTransaction } from '@app/db';
import { createTestDatabase } from '@app/devstack';
import { Deposits, parseDepositRequest } from '../deposits/deposits';
import { Dunning } from '../dunning/dunning';
import { HandAllocation, parseHandAllocation } from '../matching/allocate-by-hand';
import { CreditApplier } from '../matching/apply-credit';
import { CreditNoteNetting } from '../matching/net-credit-notes';
import { PaymentApplier } from '../matching/apply-payment';
import { reversePayment } from '../matching/reverse-payment';
import { CollectionsError } from '../payments/collections-error';
import { ManualPayments, parseManualPayment } from '../payments/manual-payment';
import { GatewayHealth } from '../refunds/circuit-breakers';
import { CreditTransfers } from '../refunds/credit-transfers';
import { parseRefundRequest, Refunds } from '../refunds/refunds';
import { issueCreditNote, numberTextOf, seedReceivables } from '../testing/receivables-fixtures';
import { LedgerChecks } from './ledger-checks';

const OPERATIONS = 10_000;
const ACCOUNTS = 60;
const FULL_CHECK_EVERY = 1_000;
const SEED = Number(process.env.RATEL_LEDGER_PROPERTY_SEED ?? 20_261_204);
const NOW = Date.UTC(2026, 11, 4, 8);
const PAYEE = { name: 'Jane Customer', iban: 'FR1420041010050500013M02606' };

jest.setTimeout(600_000);

let pool: Pool;

beforeAll(async () => {
  const url = await createTestDatabase('ledgerprop');
  await migrate(url);
  pool = new Pool({ connectionString: url, max: 4 });
});

afterAll(async () => {
  await pool?.end();
});

/** A small seeded PRNG (mulberry32): the same seed, the same sequence. */
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n: number) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n) as number;
  };
}

it(`keeps the ledger's invariants through ${OPERATIONS} random operations (seed ${SEED})`, async () => {
  const rnd = prng(SEED);
  const pick = <T>(xs: readonly T[]): T | undefined => (xs.length === 0 ? undefined : xs[rnd(xs.length)]);
  const accounts = Array.from({ length: ACCOUNTS }, (_, i) => `pa-${i + 1}`);
  await seedReceivables(pool, { accounts, invoices: [], at: new Date(NOW) });
  const applier = new PaymentApplier(pool);
  const manual = new ManualPayments(pool, applier);
  const hand = new HandAllocation(pool);
  const credits = new CreditApplier(pool, hand, new CreditNoteNetting(pool));
  let creditNotes = 0;
  const deposits = new Deposits(pool, applier);
  const refunds = new Refunds({
    pool,
    limits: { averageLimitPercent: 200, dailyCapMinor: 50_000_000n, gatewayErrorRatePercent: 20 },
    directDebitSettlementDays: 56,
    gateway: undefined,
    health: new GatewayHealth(60_000),
  });
  const transfers = new CreditTransfers(pool, { name: 'Ratel', iban: 'DE89370400440532013000', creditorId: 'DE98ZZZ09999999999' });
  const dunning = new Dunning(pool, undefined);
  const checks = new LedgerChecks(pool);
  let invoices = 0;
  const counts: Record<string, number> = {};
  const amount = () => BigInt([1, 99, 500, 1000, 2500, 4999, 12000][rnd(7)]);
  const ids = async (sql: string, args: unknown[] = []) => (await pool.query<{ id: string }>(sql, args)).rows.map((r) => r.id);

  /** Each operation returns the accounts it touched (null: all), or undefined when it had nothing to act on. */
  const operations: Record<string, (k: number) => Promise<(string | null)[] | undefined>> = {
    invoice: async () => {
      const accountId = pick(accounts)!;
      invoices++;
      const month = 1 + rnd(11);
      await seedReceivables(pool, {
        accounts: [],
        invoices: [{ n: invoices, accountId, grossMinor: amount() + 1n, issueDate: `2026-${String(month).padStart(2, '0')}-01` }],
        at: new Date(NOW),
      });
      return [accountId];
    },
    payment: async (k) => {
      const target = rnd(4);
      const accountId = pick(accounts)!;
      const body: Record<string, unknown> = {
        method: 'TRANSFER',
        amountMinor: amount().toString(),
        currency: 'EUR',
        valueDate: '2026-12-01',
      };
      if (target === 0 && invoices > 0) body.reference = numberTextOf(1 + rnd(invoices));
      else if (target === 1) body.accountId = accountId;
      else if (target === 2) body.reference = `nobody ${k}`;
      else body.reference = `${accountId} thanks`;
      const r = await manual.record(parseManualPayment(`m-${k}`, body, 'prop', '2026-12-04'), NOW);
      return [r.accountId];
    },
    return: async () => {
      const id = pick(
        await ids(`select id from payment where channel = 'MANUAL' and status <> 'RETURNED' and refunded_minor = 0 order by id`),
      );
      if (id === undefined) return undefined;
      const out = await withTransaction(pool, (c) =>
        reversePayment(c, { paymentId: id, reason: 'AM04', postedOn: '2026-12-04', now: new Date(NOW) }),
      );
      return [out.accountId];
    },
    refund: async (k) => {
      const p = (
        await pool.query<{ id: string; account_id: string; unapplied_minor: string }>(
          `select id, account_id, unapplied_minor::text from payment where status = 'UNAPPLIED' and channel = 'MANUAL' order by id`,
        )
      ).rows;
      const source = pick(p);
      if (source === undefined) return undefined;
      const part = rnd(2) === 0 ? undefined : (1n + BigInt(rnd(Number(BigInt(source.unapplied_minor))))).toString();
      await refunds.request(
        parseRefundRequest(`r-${k}`, { paymentId: source.id, method: 'BANK_TRANSFER', payee: PAYEE, amountMinor: part }, 'alice'),
        NOW,
      );
      return [source.account_id];
    },
    decide: async () => {
      const held = (
        await pool.query<{ id: string; account_id: string }>(`select id, account_id from refund where status = 'HELD' order by id`)
      ).rows;
      const r = pick(held);
      if (r === undefined) return undefined;
      if (rnd(2) === 0) await refunds.approve(r.id, 'bob', null, NOW);
      else await refunds.reject(r.id, 'bob', null, NOW);
      return [r.account_id];
    },
    batch: async (k) => {
      const b = await transfers.createBatch({ idempotencyKey: `b-${k}`, executionDate: '2026-12-04', actor: 'alice' }, NOW);
      return b.batch === null ? undefined : [null];
    },
    writeOff: async (k) => {
      // Dunning's WRITE_OFF step (D+180) for an account with an overdue invoice; the earlier steps are recorded as taken.
      const accountId = pick(
        await ids(
          `select distinct account_id as id from billing_document where status in ('ISSUED', 'PARTIALLY_PAID') and due_date < '2026-02-01' order by 1`,
        ),
      );
      if (accountId === undefined) return undefined;
      await withTransaction(pool, async (c: PoolClient) => {
        const open = await c.query<{ id: string }>(`select id from dunning_case where account_id = $1 and status = 'OPEN'`, [accountId]);
        const caseId = open.rows[0]?.id ?? `dc-prop-${k}`;
        if (open.rows.length === 0)
          await c.query(
            `insert into dunning_case (id, account_id, status, opened_on, created_at, updated_at) values ($1, $2, 'OPEN', '2026-01-20', $3, $3)`,
            [caseId, accountId, new Date(NOW)],
          );
        await c.query(
          `insert into dunning_action (case_id, step_no, action, overdue_minor, taken_on, result, created_at)
           select $1, s.step_no, s.action, 0, '2026-02-01', '{}', $2 from dunning_step s join dunning_policy p on p.code = s.policy_code
           where p.segment = 'CONSUMER' and s.action <> 'WRITE_OFF' on conflict do nothing`,
          [caseId, new Date(NOW)],
        );
      });
      await dunning.evaluateAccount(accountId, '2026-08-01', NOW);
      return [accountId];
    },
    deposit: async (k) => {
      const accountId = pick(accounts)!;
      const { deposit } = await deposits.receive(
        parseDepositRequest(
          `d-${k}`,
          { accountId, amountMinor: amount().toString(), currency: 'EUR', method: 'CASH', valueDate: '2026-12-01' },
          'alice',
          '2026-12-04',
        ),
        NOW,
      );
      if (rnd(2) === 0) await deposits.apply(deposit.id, 'bob', NOW);
      return [accountId];
    },
    byHand: async (k) => {
      const id = pick(await ids(`select id from payment where status = 'SUSPENSE' order by id`));
      if (id === undefined) return undefined;
      const accountId = pick(accounts)!;
      await hand.execute(parseHandAllocation(id, `h-${k}`, { accountId, allocations: [] }, 'op'), NOW);
      return [accountId];
    },
    creditNote: async () => {
      // A credit note of one of the account's invoices (OFFSET), or standing alone; a refund of it is a refund's source.
      const accountId = pick(accounts)!;
      const kind = (['ACCOUNT_CREDIT', 'OFFSET', 'REFUND'] as const)[rnd(3)];
      // An OFFSET note credits at most what its invoice has not been credited yet (the database refuses more).
      const invoice =
        kind === 'OFFSET'
          ? pick(
              (
                await pool.query<{ id: string; left: string }>(
                  `select i.id, (i.gross_minor - coalesce((select sum(n.gross_minor) from billing_document n
                     where n.corrects_document_id = i.id and n.type = 'CREDIT_NOTE'), 0))::text as left
                   from billing_document i where i.account_id = $1 and i.type = 'INVOICE' order by i.id`,
                  [accountId],
                )
              ).rows.filter((r) => BigInt(r.left) > 0n),
            )
          : undefined;
      const gross = invoice === undefined ? amount() : [amount(), BigInt(invoice.left)].reduce((a, b) => (a < b ? a : b));
      await issueCreditNote(
        pool,
        {
          id: `cn-${++creditNotes}`,
          accountId,
          grossMinor: gross,
          issueDate: '2026-11-30',
          creditKind: invoice === undefined && kind === 'OFFSET' ? 'ACCOUNT_CREDIT' : kind,
          ...(invoice === undefined ? {} : { correctsDocumentId: invoice.id }),
        },
        new Date(NOW),
      );
      return [accountId];
    },
    creditNoteRefund: async (k) => {
      const d = (
        await pool.query<{ id: string; account_id: string }>(
          `select id, account_id from billing_document where type = 'CREDIT_NOTE' and status in ('ISSUED', 'PARTIALLY_PAID') order by id`,
        )
      ).rows;
      const note = pick(d);
      if (note === undefined) return undefined;
      await refunds.request(parseRefundRequest(`rcn-${k}`, { documentId: note.id, method: 'BANK_TRANSFER', payee: PAYEE }, 'alice'), NOW);
      return [note.account_id];
    },
    credit: async () => {
      const r = await credits.run(NOW);
      return r.allocations === 0 && r.creditNotes === 0 ? undefined : [null];
    },
  };
  // Weights: mostly money in, enough of everything else to meet every path many times.
  const plan: [string, number][] = [
    ['invoice', 22],
    ['payment', 30],
    ['return', 6],
    ['refund', 10],
    ['decide', 8],
    ['batch', 2],
    ['writeOff', 4],
    ['deposit', 8],
    ['byHand', 6],
    ['credit', 4],
    ['creditNote', 4],
    ['creditNoteRefund', 2],
  ];
  const total = plan.reduce((s, [, w]) => s + w, 0);
  for (let k = 1; k <= OPERATIONS; k++) {
    let r = rnd(total);
    const name = plan.find(([, w]) => (r -= w) < 0)![0];
    let touched: (string | null)[] | undefined;
    try {
      touched = await operations[name](k);
    } catch (e) {
      // A refusal (a breaker-free rule of the money, e.g. nothing left to refund) changes nothing: that is checked too.
      if (!(e instanceof CollectionsError)) throw new Error(`seed ${SEED}, step ${k} (${name}): ${(e as Error).stack}`);
      touched = [null];
      counts[`${name}:refused`] = (counts[`${name}:refused`] ?? 0) + 1;
    }
    if (touched === undefined) continue;
    counts[name] = (counts[name] ?? 0) + 1;
    const scoped =
      touched.includes(null) || k % FULL_CHECK_EVERY === 0 ? [undefined] : [...new Set(touched.filter((a): a is string => a !== null))];
    for (const accountId of scoped) {
      const report = await checks.run({ ...(accountId === undefined ? {} : { accountId }), nowMs: NOW });
      if (!report.ok)
        throw new Error(`seed ${SEED}, step ${k} (${name}${accountId === undefined ? '' : ` on ${accountId}`}): ${JSON.stringify(report)}`);
    }
  }
  const final = await checks.run({ nowMs: NOW });
  expect(final.ok).toBe(true);
  // Every kind of operation really happened, many times.
  for (const [name] of plan) expect(counts[name] ?? 0).toBeGreaterThan(20);
  const kinds = (await pool.query<{ kind: string }>(`select distinct kind from ledger_transaction order by 1`)).rows.map((r) => r.kind);
  expect(kinds).toEqual(
    expect.arrayContaining([
      'CREDIT_NOTE_APPLIED',
      'DEPOSIT_RECEIVED',
      'PAYMENT_ALLOCATED',
      'PAYMENT_RECEIVED',
      'PAYMENT_RETURNED',
      'REFUND_PAID',
      'REFUND_RELEASED',
      'REFUND_REQUESTED',
    ]),
  );
  const writeOffs = await pool.query<{ n: number }>(`select count(*)::int as n from payment where channel = 'WRITE_OFF'`);
  expect(writeOffs.rows[0].n).toBeGreaterThan(5);
  console.log(`ledger property test, seed ${SEED}: ${JSON.stringify(counts)}`);
});
