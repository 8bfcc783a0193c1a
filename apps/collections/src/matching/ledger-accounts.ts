/**
 * The general-ledger accounts collections posts to (ledger_posting.account_code), beside invoicing's
 * AR, REVENUE and TAX_PAYABLE. Signed amounts: debit > 0, credit < 0.
 *
 * A payment received: BANK is debited with the amount; AR of the account is credited with what
 * documents took, UNAPPLIED_CASH of the account with what they did not (account credit), or SUSPENSE
 * (no party) with the whole amount when nobody could be identified. So, per account, AR is what its
 * documents still owe and AR + UNAPPLIED_CASH its net receivable. The payments applied together (a
 * statement import's batch) are one ledger transaction per currency and posting day, with one BANK
 * debit for their sum (paymentsReceivedTransactions); a payment applied alone is one of its own.
 */
import type { PoolClient, QueryConfig } from 'pg';
import { derivedId } from '@app/events';
import { pgArray } from '@app/db';

export const LEDGER_ACCOUNT = {
  BANK: 'BANK',
  AR: 'AR',
  UNAPPLIED_CASH: 'UNAPPLIED_CASH',
  SUSPENSE: 'SUSPENSE',
  /** Receivables written off by dunning (an expense); a write-off is a payment of channel WRITE_OFF. */
  WRITE_OFF: 'WRITE_OFF',
  /** What the operator owes a customer for a refund requested and not yet paid out (a liability, per account). */
  REFUNDS_PAYABLE: 'REFUNDS_PAYABLE',
  /** Deposits customers left as security and the operator holds (a liability, per account). */
  DEPOSITS_HELD: 'DEPOSITS_HELD',
  /** Card top-ups charging refused: money received and owed back to the card (a liability, per account). */
  TOP_UPS_REFUSED: 'TOP_UPS_REFUSED',
} as const;

export const PAYMENT_RECEIVED_KIND = 'PAYMENT_RECEIVED';

export interface LedgerLeg {
  account: string;
  party: string | null;
  amountMinor: bigint;
}

/** A key that stands in its id as it is: `<kind>|<source>` of id characters. */
const PLAIN_LEDGER_KEY = /^[A-Za-z0-9_.-]+\|[A-Za-z0-9_.|-]+$/;

/**
 * A ledger transaction's id, derived from its idempotency key: the same key is always the same id.
 * `lt-<key>` when the key is `<kind>|<source>` of id characters and fits, else `lt-` and 40 hex digits of
 * SHA-1 (a hash has no `|`, so the two forms never meet; invoicing's `lt-` ids are hashes too). The plain
 * form keeps the transactions of a statement import in its payments' order in the ledger's indexes. Pure.
 */
export function ledgerTransactionIdOf(key: string): string {
  return derivedId('lt-', PLAIN_LEDGER_KEY.test(key) ? `lt-${key}` : undefined, key);
}

/**
 * Appends one balanced ledger transaction in the caller's transaction: its id is derived from the
 * idempotency key (`lt-` + SHA-1), so the same key twice is a unique violation, never two postings.
 * Asserts the legs sum to zero before writing (the ledger's statement-level trigger checks it again).
 */
export async function postLedgerTransaction(
  c: PoolClient,
  t: { key: string; kind: string; sourceId: string; currency: string; postedOn: string; now: Date; legs: readonly LedgerLeg[] },
): Promise<string> {
  if (t.legs.reduce((s, l) => s + l.amountMinor, 0n) !== 0n) throw new Error(`ledger ${t.kind} ${t.sourceId}: legs do not sum to zero`);
  const txId = ledgerTransactionIdOf(t.key);
  await c.query(
    `insert into ledger_transaction (id, idempotency_key, kind, source_id, currency, posted_on, created_at) values ($1, $2, $3, $4, $5, $6, $7)`,
    [txId, t.key, t.kind, t.sourceId, t.currency, t.postedOn, t.now],
  );
  await c.query(
    `insert into ledger_posting (transaction_id, line_no, account_code, party_account_id, amount_minor)
     select $1, n, a, p, m from unnest($2::smallint[], $3::text[], $4::text[], $5::bigint[]) as t(n, a, p, m)`,
    [
      txId,
      t.legs.map((_, i) => i + 1),
      t.legs.map((l) => l.account),
      t.legs.map((l) => l.party),
      t.legs.map((l) => l.amountMinor.toString()),
    ],
  );
  return txId;
}

/** A balanced transaction of a batch (ledgerTransactionsStatements); each as postLedgerTransaction would write it. */
export interface LedgerTransactionInput {
  key: string;
  kind: string;
  sourceId: string;
  currency: string;
  postedOn: string;
  now: Date;
  legs: readonly LedgerLeg[];
}

/**
 * Many balanced transactions in two statements (a statement import's batch), built without a connection
 * (a batch builds its rows while the batch before it is written), and the transactions' ids. Asserts
 * each sums to zero. Pure.
 */
export function ledgerTransactionsStatements(txs: readonly LedgerTransactionInput[]): { ids: string[]; statements: QueryConfig[] } {
  if (txs.length === 0) return { ids: [], statements: [] };
  for (const t of txs)
    if (t.legs.reduce((s, l) => s + l.amountMinor, 0n) !== 0n) throw new Error(`ledger ${t.kind} ${t.sourceId}: legs do not sum to zero`);
  const ids = txs.map((t) => ledgerTransactionIdOf(t.key));
  const legs = txs.flatMap((t, i) => t.legs.map((l, n) => ({ tx: ids[i], n: n + 1, ...l })));
  return {
    ids,
    statements: [
      {
        text: `insert into ledger_transaction (id, idempotency_key, kind, source_id, currency, posted_on, created_at)
     select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::date[], $7::timestamptz[])`,
        values: [
          pgArray(ids),
          pgArray(txs.map((t) => t.key)),
          pgArray(txs.map((t) => t.kind)),
          pgArray(txs.map((t) => t.sourceId)),
          pgArray(txs.map((t) => t.currency)),
          pgArray(txs.map((t) => t.postedOn)),
          pgArray(txs.map((t) => t.now.toISOString())),
        ],
      },
      {
        text: `insert into ledger_posting (transaction_id, line_no, account_code, party_account_id, amount_minor)
     select * from unnest($1::text[], $2::smallint[], $3::text[], $4::text[], $5::bigint[])`,
        values: [
          pgArray(legs.map((l) => l.tx)),
          pgArray(legs.map((l) => l.n)),
          pgArray(legs.map((l) => l.account)),
          pgArray(legs.map((l) => l.party)),
          pgArray(legs.map((l) => l.amountMinor)),
        ],
      },
    ],
  };
}

/** Most postings in one PAYMENT_RECEIVED transaction of several payments (ledger_posting.line_no is a smallint). */
export const RECEIVED_POSTINGS_MAX = 32_767;

/** One payment received, with its legs (paymentReceivedLegs), as a batch posts it. */
export interface ReceivedLegs {
  paymentId: string;
  currency: string;
  postedOn: string;
  legs: readonly LedgerLeg[];
}

/** The ledger account and party a debit of a receipt is summed under. */
const debitKey = (l: LedgerLeg) => `${l.account}|${l.party ?? ''}`;

/**
 * The PAYMENT_RECEIVED transactions of payments applied together, and the transaction of each payment
 * (`txOf[i]`, an index into `txs`). One transaction per currency and posting day (in the order of their
 * first payment), never more than RECEIVED_POSTINGS_MAX postings: the debits of its payments (their
 * cash: BANK, or DEPOSITS_HELD of an account) summed per ledger account and party first, then each
 * payment's credits in the payments' order. Its key is its first payment's, `payment-received|<id>`: a
 * payment is applied once, so no two transactions share it, and a payment alone is posted exactly as it
 * always was (its source is the payment; the source of a transaction of several payments is the import,
 * or its first payment when there is none). Each sums to zero because each payment's legs do. Pure.
 */
export function paymentsReceivedTransactions(
  payments: readonly ReceivedLegs[],
  o: { importId: string | null; now: Date },
): { txs: LedgerTransactionInput[]; txOf: number[] } {
  interface Group {
    currency: string;
    postedOn: string;
    members: ReceivedLegs[];
    debits: Map<string, LedgerLeg>;
    credits: LedgerLeg[];
  }
  const groups: Group[] = [];
  const open = new Map<string, number>();
  const txOf = payments.map((p) => {
    const day = `${p.currency}|${p.postedOn}`;
    const debits = p.legs.filter((l) => l.amountMinor > 0n);
    const credits = p.legs.filter((l) => l.amountMinor <= 0n);
    let g = open.get(day);
    const fits = (x: Group) => {
      const newDebits = debits.filter((l) => !x.debits.has(debitKey(l))).length;
      return x.debits.size + newDebits + x.credits.length + credits.length <= RECEIVED_POSTINGS_MAX;
    };
    if (g === undefined || !fits(groups[g])) {
      g = groups.push({ currency: p.currency, postedOn: p.postedOn, members: [], debits: new Map(), credits: [] }) - 1;
      open.set(day, g);
    }
    const x = groups[g];
    x.members.push(p);
    for (const l of debits) {
      const k = debitKey(l);
      const d = x.debits.get(k);
      // The group's own copy, summed in place (`{ ...d, amountMinor }` costs µs an object in V8: RESULTS.md).
      if (d === undefined) x.debits.set(k, { account: l.account, party: l.party, amountMinor: l.amountMinor });
      else d.amountMinor += l.amountMinor;
    }
    x.credits.push(...credits);
    return g;
  });
  const txs = groups.map((x) => ({
    key: `payment-received|${x.members[0].paymentId}`,
    kind: PAYMENT_RECEIVED_KIND,
    sourceId: x.members.length === 1 ? x.members[0].paymentId : (o.importId ?? x.members[0].paymentId),
    currency: x.currency,
    postedOn: x.postedOn,
    now: o.now,
    legs: [...x.debits.values(), ...x.credits],
  }));
  return { txs, txOf };
}

/** The legs of a payment received; asserts they sum to zero (a broken rule is a crash, not wrong money). Pure. */
export function paymentReceivedLegs(p: {
  amountMinor: bigint;
  allocatedMinor: bigint;
  accountId: string | null;
  /** Where the cash came from: BANK (default), or DEPOSITS_HELD of the account for a deposit applied. */
  cash?: { account: string; party: string | null };
}): LedgerLeg[] {
  const unapplied = p.amountMinor - p.allocatedMinor;
  if (p.allocatedMinor < 0n || unapplied < 0n) throw new Error(`payment legs: allocated ${p.allocatedMinor} outside 0..${p.amountMinor}`);
  if (p.accountId === null && p.allocatedMinor !== 0n) throw new Error('payment legs: an unidentified payment cannot be allocated');
  const legs: LedgerLeg[] = [
    { account: p.cash?.account ?? LEDGER_ACCOUNT.BANK, party: p.cash?.party ?? null, amountMinor: p.amountMinor },
    { account: LEDGER_ACCOUNT.AR, party: p.accountId, amountMinor: -p.allocatedMinor },
    p.accountId === null
      ? { account: LEDGER_ACCOUNT.SUSPENSE, party: null, amountMinor: -unapplied }
      : { account: LEDGER_ACCOUNT.UNAPPLIED_CASH, party: p.accountId, amountMinor: -unapplied },
  ].filter((l) => l.amountMinor !== 0n);
  const sum = legs.reduce((s, l) => s + l.amountMinor, 0n);
  if (sum !== 0n) throw new Error(`payment legs sum to ${sum}, not zero`);
  return legs;
}
