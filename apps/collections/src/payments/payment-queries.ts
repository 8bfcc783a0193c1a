/**
 * The read side of payments: lists by account and status, the suspense queue, one payment with its
 * allocations, allocations of a document, and an import with its rejections. Money is a decimal
 * string of the currency's minor unit (bigint in the database, never a JSON number).
 */
import type { Pool } from 'pg';
import { CollectionsError } from './collections-error';
import type { PaymentStatus } from '../matching/match-rules';
import type { Page } from './query-params';

export interface PaymentView {
  id: string;
  channel: string;
  bankReference: string;
  accountId: string | null;
  currency: string;
  amountMinor: string;
  unappliedMinor: string;
  valueDate: string;
  bookingDate: string | null;
  endToEndId: string | null;
  remittanceInfo: string;
  status: string;
  matchRule: string | null;
  importId: string | null;
}

export interface AllocationView {
  id: string;
  paymentId: string;
  documentId: string;
  amountMinor: string;
  ledgerTransactionId: string;
  createdAt: string;
}

const PAYMENT_COLUMNS = `id, channel, bank_reference, account_id, currency, amount_minor::text, unapplied_minor::text, to_char(value_date, 'YYYY-MM-DD') as value_date,
  to_char(booking_date, 'YYYY-MM-DD') as booking_date, end_to_end_id, remittance_info, status, match_rule, import_id`;

interface PaymentRow {
  id: string;
  channel: string;
  bank_reference: string;
  account_id: string | null;
  currency: string;
  amount_minor: string;
  unapplied_minor: string;
  value_date: string;
  booking_date: string | null;
  end_to_end_id: string | null;
  remittance_info: string;
  status: string;
  match_rule: string | null;
  import_id: string | null;
}

const paymentView = (r: PaymentRow): PaymentView => ({
  id: r.id,
  channel: r.channel,
  bankReference: r.bank_reference,
  accountId: r.account_id,
  currency: r.currency,
  amountMinor: r.amount_minor,
  unappliedMinor: r.unapplied_minor,
  valueDate: r.value_date,
  bookingDate: r.booking_date,
  endToEndId: r.end_to_end_id,
  remittanceInfo: r.remittance_info,
  status: r.status,
  matchRule: r.match_rule,
  importId: r.import_id,
});

export class PaymentQueries {
  constructor(private readonly pool: Pool) {}

  /** Payments, newest value date first; the suspense queue is status SUSPENSE. */
  async list(f: { accountId?: string; status?: PaymentStatus } & Page): Promise<{ items: PaymentView[]; total: number }> {
    const where = `($1::text is null or account_id = $1) and ($2::text is null or status = $2)`;
    const { rows } = await this.pool.query<PaymentRow>(
      `select ${PAYMENT_COLUMNS} from payment where ${where} order by value_date desc, id limit $3 offset $4`,
      [f.accountId ?? null, f.status ?? null, f.limit, f.offset],
    );
    const count = await this.pool.query<{ n: number }>(`select count(*)::int as n from payment where ${where}`, [
      f.accountId ?? null,
      f.status ?? null,
    ]);
    return { items: rows.map(paymentView), total: count.rows[0].n };
  }

  async get(id: string): Promise<PaymentView & { allocations: AllocationView[] }> {
    const { rows } = await this.pool.query<PaymentRow>(`select ${PAYMENT_COLUMNS} from payment where id = $1`, [id]);
    if (rows.length === 0) throw CollectionsError.notFound(`payment ${id}`);
    return { ...paymentView(rows[0]), allocations: await this.allocations({ paymentId: id }) };
  }

  async allocations(f: { paymentId?: string; documentId?: string }): Promise<AllocationView[]> {
    const { rows } = await this.pool.query(
      `select id::text, payment_id, document_id, amount_minor::text, ledger_transaction_id, created_at from payment_allocation
       where ($1::text is null or payment_id = $1) and ($2::text is null or document_id = $2) order by id`,
      [f.paymentId ?? null, f.documentId ?? null],
    );
    return rows.map((r) => ({
      id: r.id,
      paymentId: r.payment_id,
      documentId: r.document_id,
      amountMinor: r.amount_minor,
      ledgerTransactionId: r.ledger_transaction_id,
      createdAt: (r.created_at as Date).toISOString(),
    }));
  }

  async statementImport(id: string): Promise<Record<string, unknown>> {
    const { rows } = await this.pool.query(
      `select id, file_name, file_sha256, format, status, entries_seen, payments_created, duplicates, skipped, rejected, requested_by, started_at, heartbeat_at, finished_at
       from bank_statement_import where id = $1`,
      [id],
    );
    if (rows.length === 0) throw CollectionsError.notFound(`statement import ${id}`);
    const r = rows[0];
    const rejections = await this.pool.query(
      `select element, line, reason from bank_statement_rejection where import_id = $1 order by seq`,
      [id],
    );
    return {
      importId: r.id,
      fileName: r.file_name,
      sha256: r.file_sha256,
      format: r.format,
      status: r.status,
      entriesSeen: r.entries_seen,
      paymentsCreated: r.payments_created,
      duplicates: r.duplicates,
      skipped: r.skipped,
      rejected: r.rejected,
      requestedBy: r.requested_by,
      startedAt: (r.started_at as Date).toISOString(),
      heartbeatAt: (r.heartbeat_at as Date).toISOString(),
      finishedAt: r.finished_at === null ? null : (r.finished_at as Date).toISOString(),
      rejections: rejections.rows,
    };
  }
}
