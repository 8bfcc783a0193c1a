/**
 * Auto-pay: charges the saved card of each account for its open documents, on the due date and
 * then on the retry days (CARD_AUTOPAY_RETRY_OFFSETS_DAYS after it). One card payment per
 * (document, attempt), its id derived from them: running the same date again, or after a crash,
 * creates nothing new and only resumes a PENDING attempt (same gateway idempotency key, so never a
 * second charge). A run on a later day makes the latest attempt due if it was missed; a document with
 * a card payment in flight is left alone.
 */
import { CollectionsError } from '../payments/collections-error';
import { cardPaymentIdOf } from './card-payment-store';
import type { CardDeps, SyncCardPayment } from './sync-card-payment.usecase';
import { payableDocument } from '../matching/document-paid';

/** Days after the due date of attempt 1, 2, 3, 4: the due date, then +1, +3 and +7 days. */
export const CARD_AUTOPAY_RETRY_OFFSETS_DAYS: readonly number[] = [0, 1, 3, 7];
/** Documents read per page. */
export const CARD_AUTOPAY_PAGE_SIZE = 500;

export interface AutopaySummary {
  date: string;
  documents: number;
  attemptsCreated: number;
  attemptsResumed: number;
  skipped: number;
  succeeded: number;
  failed: number;
  pending: number;
}

/** The attempt due `daysPastDue` after the due date (1-based), or 0 when none. Pure. */
export function autopayAttemptFor(daysPastDue: number): number {
  let attempt = 0;
  CARD_AUTOPAY_RETRY_OFFSETS_DAYS.forEach((offset, i) => {
    if (daysPastDue >= offset) attempt = i + 1;
  });
  return attempt;
}

interface DueRow {
  id: string;
  account_id: string;
  currency: string;
  open_minor: string;
  days_past_due: number;
  gateway_token: string;
}

export class CardAutopay {
  constructor(
    private readonly d: CardDeps,
    private readonly sync: SyncCardPayment,
  ) {}

  async execute(p: { date: string }): Promise<AutopaySummary> {
    if (
      !/^\d{4}-\d{2}-\d{2}$/.test(p.date) ||
      Number.isNaN(Date.parse(`${p.date}T00:00:00Z`)) ||
      new Date(`${p.date}T00:00:00Z`).toISOString().slice(0, 10) !== p.date
    )
      throw CollectionsError.invalid('date', 'YYYY-MM-DD, a real date');
    const s: AutopaySummary = {
      date: p.date,
      documents: 0,
      attemptsCreated: 0,
      attemptsResumed: 0,
      skipped: 0,
      succeeded: 0,
      failed: 0,
      pending: 0,
    };
    let after = '';
    for (;;) {
      const page = await this.duePage(p.date, after);
      for (const doc of page) await this.one(doc, s);
      if (page.length < CARD_AUTOPAY_PAGE_SIZE) return s;
      after = page[page.length - 1].id;
    }
  }

  private async duePage(date: string, after: string): Promise<DueRow[]> {
    const lastOffset = CARD_AUTOPAY_RETRY_OFFSETS_DAYS[CARD_AUTOPAY_RETRY_OFFSETS_DAYS.length - 1];
    const { rows } = await this.d.pool.query<DueRow>(
      `select d.id, d.account_id, d.currency, (d.gross_minor - d.paid_minor)::text as open_minor, ($1::date - d.due_date) as days_past_due, t.gateway_token
       from billing_document d join card_token t on t.account_id = d.account_id
       where ${payableDocument('d')}
         and d.due_date between $1::date - $2::int and $1::date and d.id > $3
       order by d.id limit $4`,
      [date, lastOffset, after, CARD_AUTOPAY_PAGE_SIZE],
    );
    return rows;
  }

  private async one(doc: DueRow, s: AutopaySummary): Promise<void> {
    s.documents++;
    const attempt = autopayAttemptFor(doc.days_past_due);
    const id = cardPaymentIdOf(`AUTOPAY|${doc.id}|${attempt}`);
    const r = await this.d.store.insert(
      {
        id,
        purpose: 'INVOICE',
        accountId: doc.account_id,
        documentId: doc.id,
        currency: doc.currency,
        amountMinor: BigInt(doc.open_minor),
        gatewayToken: doc.gateway_token,
        autopayAttempt: attempt,
        requestedBy: 'autopay',
      },
      new Date(this.d.clock.nowMs()),
    );
    if ('inFlight' in r || (!r.inserted && r.row.status !== 'PENDING')) {
      s.skipped++;
      return;
    }
    if (r.inserted) s.attemptsCreated++;
    else s.attemptsResumed++;
    const row = await this.sync.execute(id);
    if (row?.status === 'SUCCEEDED') s.succeeded++;
    else if (row?.status === 'FAILED') s.failed++;
    else s.pending++;
  }
}

/** Syncs every card payment still waiting (the gateway, or charging for a top-up) that nobody touched for `minAgeMs`. */
export class ReconcileCardPayments {
  constructor(
    private readonly d: CardDeps,
    private readonly sync: SyncCardPayment,
  ) {}

  async execute(p: { minAgeMs: number; limit: number }): Promise<{ checked: number; settled: number }> {
    const ids = await this.d.store.unsettled({ now: new Date(this.d.clock.nowMs()), minAgeMs: p.minAgeMs, limit: p.limit });
    let settled = 0;
    for (const id of ids) {
      const row = await this.sync.execute(id);
      if (row !== undefined && row.status !== 'PENDING' && row.top_up_status !== 'PENDING') settled++;
    }
    return { checked: ids.length, settled };
  }
}
