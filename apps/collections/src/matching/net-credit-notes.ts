/**
 * Credit notes netted against what the account owes: an issued credit note is money the operator owes
 * the customer, so instead of waiting as a negative receivable it pays the account's open documents by
 * itself, by its kind (billing_document.credit_kind, set when invoicing issued it):
 *
 *   OFFSET          the document it corrects first (while that is open), then as ACCOUNT_CREDIT;
 *   ACCOUNT_CREDIT  the account's open documents (invoices, debit notes) oldest first;
 *   REFUND          never netted: it waits for its refund (refunds.ts, source CREDIT_NOTE).
 *
 * Oldest credit note first; only documents of its currency. For one account, in ONE transaction: lock
 * every open document of the account, credit notes included (issue date, id: the order every writer
 * locks documents in, so netting never deadlocks with a payment), read the open amounts under the
 * locks, then per credit note:
 *
 *   a credit_note_application row per document it paid (the trail, never changed afterwards);
 *   the documents' paid amount and status (ISSUED -> PARTIALLY_PAID -> PAID), the credit note's too
 *     (its paid amount is what of it was used: netted or refunded);
 *   ledger CREDIT_NOTE_APPLIED: AR(account) +used (the credit note's negative receivable consumed),
 *     AR(account) -used (the documents it paid): the account's receivable does not change, its
 *     documents' open amounts move, so the ledger checks hold;
 *   a CREDIT_NOTE_APPLIED event (`ratel.collections.v1`), and an audit row.
 *
 * Idempotent from committed state: nothing is netted twice because each netting reads what is left
 * under its locks; the ledger key `credit-note-applied|<credit note>|<its paid amount before>` (the
 * credit note's paid amount only grows) makes a second writer of the same netting a unique violation.
 * A payment reversal later reopens only the payment's own allocations; a netting stays.
 *
 * Runs with account credit (apply-credit.ts): every CREDIT_APPLY_INTERVAL_MS and on
 * `POST /v1/collections/credits/apply`, credit notes before cash credit (cash stays refundable).
 */
import type { Pool, PoolClient } from 'pg';
import { withTransaction } from '@app/db';
import { writeCollectionsEvents } from '../events/collections-outbox';
import type { AfterPayment } from './apply-payment';
import { addPaid, payableDocument } from './document-paid';
import { LEDGER_ACCOUNT, postLedgerTransaction } from './ledger-accounts';

export const CREDIT_NOTE_APPLIED_KIND = 'CREDIT_NOTE_APPLIED';
export const NETTING_ACTOR = 'collections:credit-note';
/** Accounts one run nets (the next run takes the rest). */
export const NETTING_ACCOUNTS_MAX = 1_000;

/** A credit note that nets: issued, something of it unused, not meant for a refund. */
const NETTING_CREDIT_NOTE = `(d.type = 'CREDIT_NOTE' and d.status in ('ISSUED', 'PARTIALLY_PAID') and d.gross_minor > d.paid_minor
  and coalesce(d.credit_kind, 'ACCOUNT_CREDIT') <> 'REFUND')`;

export interface NettingSummary {
  accounts: number;
  /** Credit notes that paid something. */
  creditNotes: number;
  nettedMinor: bigint;
}

export interface CreditNoteApplication {
  creditNoteId: string;
  ledgerTransactionId: string;
  currency: string;
  applications: { documentId: string; amountMinor: bigint }[];
}

interface OpenDocument {
  id: string;
  type: string;
  currency: string;
  open: bigint;
  paid: bigint;
  correctsDocumentId: string | null;
  creditKind: string | null;
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);

/**
 * What each credit note pays, in order, from the open documents (locked, oldest first). Pure: moves
 * the `open` of the documents it is given.
 */
export function planNetting(
  docs: OpenDocument[],
): { creditNote: OpenDocument; paidBefore: bigint; pays: { doc: OpenDocument; amount: bigint }[] }[] {
  const payable = docs.filter((d) => d.type !== 'CREDIT_NOTE');
  const plan = [];
  for (const cn of docs.filter((d) => d.type === 'CREDIT_NOTE' && d.creditKind !== 'REFUND')) {
    const targets = payable.filter((d) => d.currency === cn.currency);
    if (cn.creditKind === 'OFFSET' && cn.correctsDocumentId !== null) {
      const i = targets.findIndex((d) => d.id === cn.correctsDocumentId);
      if (i > 0) targets.unshift(...targets.splice(i, 1));
    }
    const paidBefore = cn.paid;
    const pays: { doc: OpenDocument; amount: bigint }[] = [];
    for (const doc of targets) {
      if (cn.open === 0n) break;
      const amount = min(cn.open, doc.open);
      if (amount === 0n) continue;
      pays.push({ doc, amount });
      doc.open -= amount;
      cn.open -= amount;
      cn.paid += amount;
    }
    if (pays.length > 0) plan.push({ creditNote: cn, paidBefore, pays });
  }
  return plan;
}

export class CreditNoteNetting {
  constructor(
    private readonly pool: Pool,
    private readonly afterPayment?: AfterPayment,
  ) {}

  /** Nets the credit notes of every account that has one and something open to pay with it. */
  async run(nowMs: number, accountsMax = NETTING_ACCOUNTS_MAX): Promise<NettingSummary> {
    const { rows } = await this.pool.query<{ account_id: string }>(
      `select distinct d.account_id from billing_document d
       where ${NETTING_CREDIT_NOTE}
         and exists (select 1 from billing_document o where o.account_id = d.account_id and o.currency = d.currency and ${payableDocument('o')})
       order by 1 limit $1`,
      [accountsMax],
    );
    const summary: NettingSummary = { accounts: rows.length, creditNotes: 0, nettedMinor: 0n };
    for (const { account_id: accountId } of rows) {
      const done = await this.netAccount(accountId, nowMs);
      summary.creditNotes += done.length;
      summary.nettedMinor += done.reduce((s, a) => s + a.applications.reduce((t, x) => t + x.amountMinor, 0n), 0n);
    }
    return summary;
  }

  /** Nets the account's credit notes in one transaction; what each paid. */
  async netAccount(accountId: string, nowMs: number): Promise<CreditNoteApplication[]> {
    const now = new Date(nowMs);
    const done = await withTransaction(this.pool, async (c) => {
      const { rows } = await c.query<{
        id: string;
        type: string;
        currency: string;
        open_minor: string;
        paid_minor: string;
        corrects_document_id: string | null;
        credit_kind: string | null;
      }>(
        `select d.id, d.type, trim(d.currency) as currency, (d.gross_minor - d.paid_minor)::text as open_minor, d.paid_minor::text,
           d.corrects_document_id, d.credit_kind
         from billing_document d where d.account_id = $1 and (${NETTING_CREDIT_NOTE} or ${payableDocument('d')})
         order by d.issue_date, d.id for update`,
        [accountId],
      );
      const plan = planNetting(
        rows.map((r) => ({
          id: r.id,
          type: r.type,
          currency: r.currency,
          open: BigInt(r.open_minor),
          paid: BigInt(r.paid_minor),
          correctsDocumentId: r.corrects_document_id,
          creditKind: r.credit_kind,
        })),
      );
      const out: CreditNoteApplication[] = [];
      for (const step of plan) out.push(await this.write(c, accountId, step, now));
      if (plan.length > 0) await this.moveDocuments(c, plan, now);
      return out;
    });
    if (done.length > 0 && this.afterPayment !== undefined) await this.afterPayment(accountId).catch(() => undefined);
    return done;
  }

  private async write(
    c: PoolClient,
    accountId: string,
    step: ReturnType<typeof planNetting>[number],
    now: Date,
  ): Promise<CreditNoteApplication> {
    const cn = step.creditNote;
    const used = step.pays.reduce((s, p) => s + p.amount, 0n);
    const key = `credit-note-applied|${cn.id}|${step.paidBefore}`;
    const txId = await postLedgerTransaction(c, {
      key,
      kind: CREDIT_NOTE_APPLIED_KIND,
      sourceId: cn.id,
      currency: cn.currency,
      postedOn: now.toISOString().slice(0, 10),
      now,
      legs: [
        { account: LEDGER_ACCOUNT.AR, party: accountId, amountMinor: used },
        { account: LEDGER_ACCOUNT.AR, party: accountId, amountMinor: -used },
      ],
    });
    await c.query(
      `insert into credit_note_application (credit_note_id, document_id, amount_minor, ledger_transaction_id, created_at)
       select $1, d, m, $2, $3 from unnest($4::text[], $5::bigint[]) as t(d, m)`,
      [cn.id, txId, now, step.pays.map((p) => p.doc.id), step.pays.map((p) => p.amount.toString())],
    );
    const applications = step.pays.map((p) => ({ documentId: p.doc.id, amountMinor: p.amount }));
    const wire = applications.map((a) => ({ documentId: a.documentId, amountMinor: a.amountMinor.toString() }));
    await writeCollectionsEvents(
      c,
      [
        {
          input: {
            type: 'CREDIT_NOTE_APPLIED',
            accountId,
            creditNoteId: cn.id,
            ledgerTransactionId: txId,
            currency: cn.currency,
            applications: wire,
            creditNoteOpenMinor: cn.open.toString(),
          },
          source: txId,
        },
      ],
      now,
    );
    await c.query(
      `insert into audit_log (actor, action, entity_type, entity_id, details, created_at) values ($1, 'credit_note.applied', 'billing_document', $2, $3, $4)`,
      [NETTING_ACTOR, cn.id, JSON.stringify({ ledgerTransactionId: txId, applications: wire }), now],
    );
    return { creditNoteId: cn.id, ledgerTransactionId: txId, currency: cn.currency, applications };
  }

  /** Every document the plan touched, credit notes included: paid amount and status in one statement. */
  private async moveDocuments(c: PoolClient, plan: ReturnType<typeof planNetting>, now: Date): Promise<void> {
    const delta = new Map<string, bigint>();
    for (const step of plan) {
      for (const p of step.pays) {
        delta.set(p.doc.id, (delta.get(p.doc.id) ?? 0n) + p.amount);
        delta.set(step.creditNote.id, (delta.get(step.creditNote.id) ?? 0n) + p.amount);
      }
    }
    await addPaid(c, delta, now, 'credit notes netted');
  }
}
