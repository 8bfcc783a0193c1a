/**
 * Account credit applied by itself: an over-payment stays the account's credit (an UNAPPLIED
 * payment) until the account has an open document again, typically its next invoice; then this
 * spends it there, oldest credit on the oldest document first, each payment as one allocation by
 * hand (allocate-by-hand.ts: one transaction, its locks and rules, ledger PAYMENT_ALLOCATED, audited
 * as `collections:credit`).
 *
 * Credit notes are netted first (net-credit-notes.ts), then cash credit is spent: cash stays refundable.
 *
 * Runs every CREDIT_APPLY_INTERVAL_MS in the collections process and on `POST /v1/collections/credits/apply`.
 * Safe to run anywhere at any time: each allocation re-checks what is open and unapplied under its
 * locks, and one that a concurrent payment got to first is refused and left to the next run. Keys are
 * derived from the payment and its documents, so a run repeated after a crash does nothing twice.
 */
import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { CollectionsError } from '../payments/collections-error';
import { HandAllocation } from './allocate-by-hand';
import type { CreditNoteNetting } from './net-credit-notes';
import { payableDocument } from './document-paid';

/** Accounts one run looks at (the next run takes the rest). */
export const CREDIT_APPLY_ACCOUNTS_MAX = 1_000;
/** Documents one payment pays in one allocation (HAND_ALLOCATIONS_MAX). */
const DOCUMENTS_PER_ALLOCATION_MAX = 100;
export const CREDIT_ACTOR = 'collections:credit';

export interface CreditRunSummary {
  accounts: number;
  allocations: number;
  appliedMinor: bigint;
  /** Allocations refused under their locks (something moved meanwhile): tried again next run. */
  deferred: number;
  /** Credit notes netted against open documents before (net-credit-notes.ts). */
  creditNotes: number;
  nettedMinor: bigint;
}

export class CreditApplier {
  constructor(
    private readonly pool: Pool,
    private readonly allocation: HandAllocation,
    private readonly netting: CreditNoteNetting,
  ) {}

  async run(nowMs: number, accountsMax = CREDIT_APPLY_ACCOUNTS_MAX): Promise<CreditRunSummary> {
    const netted = await this.netting.run(nowMs, accountsMax);
    const { rows: accounts } = await this.pool.query<{ account_id: string }>(
      `select distinct p.account_id from payment p
       where p.status = 'UNAPPLIED' and p.unapplied_minor > 0 and p.account_id is not null
         and exists (select 1 from billing_document d where d.account_id = p.account_id and ${payableDocument('d')} and d.currency = p.currency)
       order by 1 limit $1`,
      [accountsMax],
    );
    const summary: CreditRunSummary = {
      accounts: accounts.length,
      allocations: 0,
      appliedMinor: 0n,
      deferred: 0,
      creditNotes: netted.creditNotes,
      nettedMinor: netted.nettedMinor,
    };
    for (const { account_id: accountId } of accounts) await this.applyAccount(accountId, nowMs, summary);
    return summary;
  }

  private async applyAccount(accountId: string, nowMs: number, summary: CreditRunSummary): Promise<void> {
    const { rows: credits } = await this.pool.query<{ id: string; currency: string; unapplied_minor: string }>(
      `select id, currency, unapplied_minor::text from payment where account_id = $1 and status = 'UNAPPLIED' and unapplied_minor > 0
       order by value_date, id`,
      [accountId],
    );
    const { rows: docs } = await this.pool.query<{ id: string; currency: string; open_minor: string; paid_by: string[] }>(
      `select d.id, d.currency, (d.gross_minor - d.paid_minor)::text as open_minor,
         coalesce((select array_agg(a.payment_id) from payment_allocation a where a.document_id = d.id), '{}') as paid_by
       from billing_document d where d.account_id = $1 and ${payableDocument('d')} order by d.issue_date, d.id`,
      [accountId],
    );
    const open = new Map(docs.map((d) => [d.id, BigInt(d.open_minor)]));
    for (const credit of credits) {
      let left = BigInt(credit.unapplied_minor);
      const allocations: { documentId: string; amountMinor: bigint }[] = [];
      for (const d of docs) {
        if (left === 0n || allocations.length === DOCUMENTS_PER_ALLOCATION_MAX) break;
        // A payment pays a document once (allocations are append-only): one it already paid part of is left to others.
        if (d.currency !== credit.currency || d.paid_by.includes(credit.id)) continue;
        const amount = [left, open.get(d.id)!].reduce((a, b) => (a < b ? a : b));
        if (amount === 0n) continue;
        allocations.push({ documentId: d.id, amountMinor: amount });
        left -= amount;
      }
      if (allocations.length === 0) continue;
      try {
        await this.allocation.execute(
          {
            paymentId: credit.id,
            idempotencyKey: `credit|${createHash('sha1')
              .update(allocations.map((a) => a.documentId).join(','))
              .digest('hex')}`,
            accountId,
            allocations,
            note: 'account credit applied by itself',
            actor: CREDIT_ACTOR,
          },
          nowMs,
        );
      } catch (err) {
        if (!(err instanceof CollectionsError)) throw err;
        summary.deferred++;
        continue;
      }
      for (const a of allocations) open.set(a.documentId, open.get(a.documentId)! - a.amountMinor);
      summary.allocations++;
      summary.appliedMinor += allocations.reduce((s, a) => s + a.amountMinor, 0n);
    }
  }
}
