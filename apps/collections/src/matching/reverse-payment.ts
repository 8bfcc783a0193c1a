/**
 * A payment that went back (a direct-debit return or reject, a chargeback) is reversed exactly, in the
 * caller's transaction: every live allocation of that payment gets a reversal row (allocations stay
 * append-only), each document's paid amount goes down by what that allocation paid and its status
 * back (PAID -> PARTIALLY_PAID -> ISSUED) under the row lock, the receipt's ledger legs are posted in
 * reverse (PAYMENT_RETURNED: BANK -amount; AR +allocated; UNAPPLIED_CASH +unapplied), and the payment
 * becomes RETURNED with returned = amount. Other payments' allocations are never touched.
 *
 * Idempotent: a payment already RETURNED is left as it is (`reversed: false`). Collections alone
 * moves paid_minor and these statuses (README "Who writes a document's status").
 */
import type { PoolClient } from 'pg';
import { writeCollectionsEvents } from '../events/collections-outbox';
import { LEDGER_ACCOUNT, type LedgerLeg, postLedgerTransaction } from './ledger-accounts';

export const PAYMENT_RETURNED_KIND = 'PAYMENT_RETURNED';

/** A return or chargeback of a payment part of which was already refunded (refunds/): left to an operator. */
export class PaymentPartlyRefundedError extends Error {
  constructor(
    readonly paymentId: string,
    readonly refundedMinor: bigint,
  ) {
    super(`payment ${paymentId}: ${refundedMinor} of it was refunded already; its return must be settled by an operator`);
    this.name = 'PaymentPartlyRefundedError';
  }
}

export interface ReverseOutcome {
  reversed: boolean;
  accountId: string | null;
  /** Documents reopened, with what each got back as open. */
  documents: { documentId: string; amountMinor: bigint }[];
}

/** The reversing legs of a receipt; they sum to zero. Pure. */
export function paymentReturnedLegs(p: {
  amountMinor: bigint;
  allocatedMinor: bigint;
  unappliedMinor: bigint;
  accountId: string | null;
  /** Where the money came from: BANK, or WRITE_OFF for a write-off (dunning). */
  cashAccount?: string;
}): LedgerLeg[] {
  if (p.allocatedMinor + p.unappliedMinor !== p.amountMinor)
    throw new Error('payment return legs: allocated + unapplied must be the amount');
  const legs: LedgerLeg[] = [
    { account: p.cashAccount ?? LEDGER_ACCOUNT.BANK, party: null, amountMinor: -p.amountMinor },
    { account: LEDGER_ACCOUNT.AR, party: p.accountId, amountMinor: p.allocatedMinor },
    p.accountId === null
      ? { account: LEDGER_ACCOUNT.SUSPENSE, party: null, amountMinor: p.unappliedMinor }
      : { account: LEDGER_ACCOUNT.UNAPPLIED_CASH, party: p.accountId, amountMinor: p.unappliedMinor },
  ].filter((l) => l.amountMinor !== 0n);
  if (legs.reduce((s, l) => s + l.amountMinor, 0n) !== 0n) throw new Error('payment return legs do not sum to zero');
  return legs;
}

export async function reversePayment(
  c: PoolClient,
  x: { paymentId: string; reason: string; postedOn: string; now: Date },
): Promise<ReverseOutcome> {
  const { rows: payments } = await c.query<{
    account_id: string | null;
    currency: string;
    amount_minor: string;
    unapplied_minor: string;
    status: string;
    channel: string;
    refunded_minor: string;
  }>(
    `select account_id, trim(currency) as currency, amount_minor::text, unapplied_minor::text, status, channel, refunded_minor::text
     from payment where id = $1 for update`,
    [x.paymentId],
  );
  if (payments.length === 0) throw new Error(`payment ${x.paymentId} does not exist`);
  const p = payments[0];
  if (p.status === 'RETURNED') return { reversed: false, accountId: p.account_id, documents: [] };
  // Money refunded from this payment already left; the bank taking the whole payment back would leave a debt no document
  // explains. The SOURCE_NOT_SETTLED breaker holds such refunds; one an approver released anyway is settled by hand.
  if (p.refunded_minor !== '0') throw new PaymentPartlyRefundedError(x.paymentId, BigInt(p.refunded_minor));
  if (p.channel === 'DEPOSIT') throw new Error(`payment ${x.paymentId} is a deposit applied: no bank can take it back`);
  const { rows: allocations } = await c.query<{ id: string; document_id: string; amount_minor: string }>(
    `select a.id::text, a.document_id, a.amount_minor::text from payment_allocation a
     join billing_document d on d.id = a.document_id
     where a.payment_id = $1 and not exists (select 1 from payment_allocation_reversal r where r.allocation_id = a.id)
     order by d.issue_date, d.id`,
    [x.paymentId],
  );
  const ids = allocations.map((a) => a.document_id);
  // The documents' rows, locked in the one order every writer uses (issue date, id).
  await c.query(`select id from billing_document where id = any($1::text[]) order by issue_date, id for update`, [ids]);
  const allocated = allocations.reduce((s, a) => s + BigInt(a.amount_minor), 0n);
  const legs = paymentReturnedLegs({
    amountMinor: BigInt(p.amount_minor),
    allocatedMinor: allocated,
    unappliedMinor: BigInt(p.unapplied_minor),
    accountId: p.account_id,
    cashAccount: p.channel === 'WRITE_OFF' ? LEDGER_ACCOUNT.WRITE_OFF : LEDGER_ACCOUNT.BANK,
  });
  const txId = await postLedgerTransaction(c, {
    key: `payment-returned|${x.paymentId}`,
    kind: PAYMENT_RETURNED_KIND,
    sourceId: x.paymentId,
    currency: p.currency,
    postedOn: x.postedOn,
    now: x.now,
    legs,
  });
  if (allocations.length > 0) {
    await c.query(
      `insert into payment_allocation_reversal (allocation_id, payment_id, ledger_transaction_id, reason, created_at)
       select a, $2, $3, $4, $5 from unnest($1::bigint[]) as t(a)`,
      [allocations.map((a) => a.id), x.paymentId, txId, x.reason, x.now],
    );
    const { rows } = await c.query<{ ok: boolean }>(
      `update billing_document d set paid_minor = d.paid_minor - a.m,
         status = case when d.paid_minor - a.m = 0 then 'ISSUED' else 'PARTIALLY_PAID' end, updated_at = $3
       from (select id, sum(m) as m from unnest($1::text[], $2::bigint[]) as u(id, m) group by id) a where d.id = a.id
       returning d.paid_minor >= 0 as ok`,
      [ids, allocations.map((a) => a.amount_minor), x.now],
    );
    if (rows.some((r) => !r.ok)) throw new Error(`payment ${x.paymentId}: reversing would leave a document paid below zero`);
  }
  await c.query(
    `update payment set status = 'RETURNED', unapplied_minor = 0, returned_minor = amount_minor, updated_at = $2 where id = $1`,
    [x.paymentId, x.now],
  );
  await writeCollectionsEvents(
    c,
    [
      {
        input: {
          type: 'PAYMENT_RETURNED',
          accountId: p.account_id,
          paymentId: x.paymentId,
          currency: p.currency,
          amountMinor: p.amount_minor,
          reason: x.reason,
          reopened: allocations.map((a) => ({ documentId: a.document_id, amountMinor: a.amount_minor })),
        },
        source: x.paymentId,
      },
    ],
    x.now,
  );
  return {
    reversed: true,
    accountId: p.account_id,
    documents: allocations.map((a) => ({ documentId: a.document_id, amountMinor: BigInt(a.amount_minor) })),
  };
}
