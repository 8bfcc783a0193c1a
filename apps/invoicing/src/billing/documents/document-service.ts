/**
 * The billing documents' use cases behind the REST API: list and read documents, serve their PDF,
 * the review queue (held drafts: add or remove a manual line, approve, reject) and credit and debit
 * notes of issued invoices. Every change and approval is written to the audit log in the same
 * transaction, with who and when. Issued documents never change (the database refuses it); an
 * approved draft is issued at once, with the next number of its series.
 */
import { createHash } from 'node:crypto';
import Decimal from 'decimal.js';
import type { Pool, PoolClient } from 'pg';
import { withTransaction } from '@app/db/pg-transaction';
import type { Clock } from '@app/observability';
import { BillingError, BillingErrorCode } from './billing-error';
import {
  type CreditKind,
  LEGAL_ENTITY_DEFAULT,
  PAYMENT_TERMS_DEFAULT_DAYS,
  DOCUMENT_STATUSES,
  DOCUMENT_TYPES,
  type DocumentStatus,
  type DocumentType,
  TAX_CATEGORIES,
  type TaxCategory,
} from './document-types';
import { Finalizer } from './finalize';
import type { DocumentRenderer } from '../render/document-renderer';
import { roundMinor } from '../compute/line-factory';
import { addDays } from '../cycles/cycle-periods';
import { trimDecimal } from '../render/document-view';

/** Documents per page of a list, at most. */
export const DOCUMENTS_PAGE_MAX = 200;
export const DOCUMENTS_PAGE_DEFAULT = 50;
/** Longest description or reason an operator writes. */
export const OPERATOR_TEXT_MAX_LENGTH = 500;
/** Largest amount of one manual line or note, in minor units (10^13: 100 billion of a 2-digit currency). */
export const OPERATOR_AMOUNT_MAX_MINOR = 10n ** 13n;

export const DOCUMENT_SORTS = ['issueDate', '-issueDate', 'number', '-number', 'gross', '-gross', 'account', '-account'] as const;
export type DocumentSort = (typeof DOCUMENT_SORTS)[number];

const SORT_SQL: Record<DocumentSort, string> = {
  issueDate: 'issue_date asc nulls last, id',
  '-issueDate': 'issue_date desc nulls last, id',
  number: 'number_text asc nulls last, id',
  '-number': 'number_text desc nulls last, id',
  gross: 'gross_minor asc, id',
  '-gross': 'gross_minor desc, id',
  account: 'account_id collate "C" asc, id',
  '-account': 'account_id collate "C" desc, id',
};

export interface DocumentFilter {
  accountId?: string;
  status?: DocumentStatus;
  /** Any of these statuses (the TMF678 view: issued documents only). */
  statusIn?: readonly DocumentStatus[];
  type?: DocumentType;
  cycleId?: string;
  /** Issue date range, YYYY-MM-DD, inclusive. */
  issuedFrom?: string;
  issuedTo?: string;
  grossMinMinor?: bigint;
  grossMaxMinor?: bigint;
  sort: DocumentSort;
  limit: number;
  offset: number;
}

export interface DocumentSummary {
  id: string;
  accountId: string;
  cycleId: string | null;
  type: DocumentType;
  status: DocumentStatus;
  number: string | null;
  currency: string;
  netMinor: string;
  taxMinor: string;
  grossMinor: string;
  paidMinor: string;
  issueDate: string | null;
  dueDate: string | null;
  periodStart: string | null;
  periodEnd: string | null;
  paymentReference: string | null;
  correctsDocumentId: string | null;
  holdReasons: { code: string; detail: string }[];
}

export interface DocumentDetail extends DocumentSummary {
  lines: {
    lineNo: number;
    parentLineNo: number | null;
    kind: string;
    description: string;
    quantity: string;
    unit: string;
    unitPriceMinor: string;
    amountMinor: string;
    taxCategory: string;
    taxRate: string;
    late: boolean;
    reason: string | null;
  }[];
  taxes: { taxCategory: string; taxRate: string; taxableMinor: string; taxMinor: string }[];
  deliveries: { channel: string; status: string; attempts: number; sentAt: string | null }[];
  /** RENDERED renditions carry their digest and size; a SKIPPED UBL carries why it has none. */
  renditions: {
    kind: string;
    status: string;
    sha256: string | null;
    bytes: number | null;
    skipCode: string | null;
    skipReason: string | null;
  }[];
  approvedBy: string | null;
  approvedAt: string | null;
}

/** Deposits (security deposits, outside the scope of VAT: tax category NONE) and prepayments (taxed now, at the standard rate). */
export const ADVANCE_KINDS = ['DEPOSIT', 'PREPAYMENT'] as const;
export type AdvanceKind = (typeof ADVANCE_KINDS)[number];

export interface AdvanceRequest {
  kind: AdvanceKind;
  /** Net amount, minor units > 0. */
  netMinor: bigint;
  description: string;
  idempotencyKey: string;
}

export interface NoteRequest {
  /** Net amount of the note, minor units > 0. */
  netMinor: bigint;
  reason: string;
  /** Credit notes: how the credit is used (collections acts on it). */
  creditKind?: CreditKind;
  /** Idempotency key of the request (header Idempotency-Key). */
  idempotencyKey: string;
}

const SUMMARY_COLUMNS = `id, account_id, cycle_id, type, status, number_text, currency, net_minor::text, tax_minor::text, gross_minor::text,
  paid_minor::text, to_char(issue_date, 'YYYY-MM-DD') as issue_date, to_char(due_date, 'YYYY-MM-DD') as due_date,
  to_char(period_start, 'YYYY-MM-DD') as period_start, to_char(period_end, 'YYYY-MM-DD') as period_end, payment_reference,
  corrects_document_id, hold_reasons, approved_by, approved_at`;

type Row = Record<string, unknown>;

function toSummary(r: Row): DocumentSummary {
  return {
    id: r.id as string,
    accountId: r.account_id as string,
    cycleId: (r.cycle_id as string | null) ?? null,
    type: r.type as DocumentType,
    status: r.status as DocumentStatus,
    number: (r.number_text as string | null) ?? null,
    currency: (r.currency as string).trim(),
    netMinor: r.net_minor as string,
    taxMinor: r.tax_minor as string,
    grossMinor: r.gross_minor as string,
    paidMinor: r.paid_minor as string,
    issueDate: (r.issue_date as string | null) ?? null,
    dueDate: (r.due_date as string | null) ?? null,
    periodStart: (r.period_start as string | null) ?? null,
    periodEnd: (r.period_end as string | null) ?? null,
    paymentReference: (r.payment_reference as string | null) ?? null,
    correctsDocumentId: (r.corrects_document_id as string | null) ?? null,
    holdReasons: (r.hold_reasons as { code: string; detail: string }[]) ?? [],
  };
}

export class BillingDocumentService {
  private readonly finalizer: Finalizer;

  /**
   * `renderer`: renders the documents this service issues (notes, advance invoices, approved drafts)
   * right after issuing them, so that their PDF and UBL exist without waiting for a run's RENDER.
   */
  constructor(
    private readonly pool: Pool,
    private readonly clock: Clock,
    private readonly renderer?: DocumentRenderer,
  ) {
    this.finalizer = new Finalizer(pool);
  }

  async list(f: DocumentFilter): Promise<{ documents: DocumentSummary[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      params.push(v);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (f.accountId !== undefined) add('account_id = ?', f.accountId);
    if (f.status !== undefined) add('status = ?', f.status);
    if (f.statusIn !== undefined) add('status = any(?::text[])', f.statusIn);
    if (f.type !== undefined) add('type = ?', f.type);
    if (f.cycleId !== undefined) add('cycle_id = ?', f.cycleId);
    if (f.issuedFrom !== undefined) add('issue_date >= ?::date', f.issuedFrom);
    if (f.issuedTo !== undefined) add('issue_date <= ?::date', f.issuedTo);
    if (f.grossMinMinor !== undefined) add('gross_minor >= ?::bigint', f.grossMinMinor.toString());
    if (f.grossMaxMinor !== undefined) add('gross_minor <= ?::bigint', f.grossMaxMinor.toString());
    const clause = where.length === 0 ? '' : `where ${where.join(' and ')}`;
    const total = (await this.pool.query(`select count(*)::int as n from billing_document ${clause}`, params)).rows[0].n as number;
    const { rows } = await this.pool.query(
      `select ${SUMMARY_COLUMNS} from billing_document ${clause} order by ${SORT_SQL[f.sort]} limit ${f.limit} offset ${f.offset}`,
      params,
    );
    return { documents: rows.map(toSummary), total };
  }

  async get(id: string): Promise<DocumentDetail> {
    const { rows } = await this.pool.query(`select ${SUMMARY_COLUMNS} from billing_document where id = $1`, [id]);
    if (rows.length === 0) throw new BillingError(BillingErrorCode.DOCUMENT_NOT_FOUND, `no billing document ${id}`, 'documentId');
    const [lines, taxes, deliveries, renditions] = await Promise.all([
      this.pool.query(
        `select line_no, parent_line_no, kind, description, quantity::text, unit, unit_price_minor::text, amount_minor::text, tax_category,
           tax_rate::text, late, reason from billing_document_line where document_id = $1 order by line_no`,
        [id],
      ),
      this.pool.query(
        `select tax_category, tax_rate::text, taxable_minor::text, tax_minor::text from billing_document_tax where document_id = $1 order by 1, 2`,
        [id],
      ),
      this.pool.query(`select channel, status, attempts, sent_at from delivery where subject_id = $1 order by channel`, [id]),
      this.pool.query(
        `select kind, status, sha256, bytes, skip_code, skip_reason from billing_rendition where document_id = $1 order by kind`,
        [id],
      ),
    ]);
    const r = rows[0];
    return {
      ...toSummary(r),
      lines: lines.rows.map((l) => ({
        lineNo: l.line_no,
        parentLineNo: l.parent_line_no,
        kind: l.kind,
        description: l.description,
        quantity: trimDecimal(l.quantity),
        unit: l.unit,
        unitPriceMinor: trimDecimal(l.unit_price_minor),
        amountMinor: l.amount_minor,
        taxCategory: l.tax_category,
        taxRate: trimDecimal(l.tax_rate),
        late: l.late,
        reason: l.reason,
      })),
      taxes: taxes.rows.map((t) => ({
        taxCategory: t.tax_category,
        taxRate: trimDecimal(t.tax_rate),
        taxableMinor: t.taxable_minor,
        taxMinor: t.tax_minor,
      })),
      deliveries: deliveries.rows.map((d) => ({
        channel: d.channel,
        status: d.status,
        attempts: d.attempts,
        sentAt: d.sent_at === null ? null : (d.sent_at as Date).toISOString(),
      })),
      renditions: renditions.rows.map((x) => ({
        kind: x.kind,
        status: x.status,
        sha256: x.sha256,
        bytes: x.bytes,
        skipCode: x.skip_code,
        skipReason: x.skip_reason,
      })),
      approvedBy: (r.approved_by as string | null) ?? null,
      approvedAt: r.approved_at === null ? null : (r.approved_at as Date).toISOString(),
    };
  }

  /**
   * The storage key of a document's rendition (PDF or UBL), for a caller entitled to its account
   * (`accountId` undefined: any account). A UBL that RENDER skipped is UBL_NOT_AVAILABLE with the recorded reason.
   */
  async renditionKey(id: string, kind: 'PDF' | 'UBL', entitledAccountId?: string): Promise<string> {
    const { rows } = await this.pool.query(
      `select d.account_id, r.status, r.storage_key, r.skip_code, r.skip_reason
       from billing_document d left join billing_rendition r on r.document_id = d.id and r.kind = $2
       where d.id = $1 and d.status in ('ISSUED', 'PARTIALLY_PAID', 'PAID', 'VOID')`,
      [id, kind],
    );
    // Another account's document is "not found": a portal user learns nothing of other accounts.
    if (rows.length === 0 || (entitledAccountId !== undefined && rows[0].account_id !== entitledAccountId))
      throw new BillingError(BillingErrorCode.DOCUMENT_NOT_FOUND, `no billing document ${id}`, 'documentId');
    const r = rows[0];
    if (r.status === 'SKIPPED')
      throw new BillingError(
        BillingErrorCode.UBL_NOT_AVAILABLE,
        `billing document ${id} has no UBL: ${r.skip_code}: ${r.skip_reason}`,
        'documentId',
      );
    if (r.storage_key === null)
      throw new BillingError(BillingErrorCode.NOT_RENDERED, `billing document ${id} has no ${kind} yet`, 'documentId');
    return r.storage_key as string;
  }

  /** Adds a manual line to a held draft (with the reason), and totals the draft again. */
  async addManualLine(
    id: string,
    line: { description: string; amountMinor: bigint; taxCategory: TaxCategory; taxRate: string; reason: string },
    actor: string,
  ): Promise<DocumentDetail> {
    await withTransaction(this.pool, async (c) => {
      const doc = await this.lockHeld(c, id);
      const next = (await c.query(`select coalesce(max(line_no), 0) + 1 as n from billing_document_line where document_id = $1`, [id]))
        .rows[0].n as number;
      await c.query(
        `insert into billing_document_line (document_id, line_no, kind, description, quantity, unit, unit_price_minor, amount_minor, tax_category,
           tax_rate, period_start, period_end, reason)
         values ($1, $2, 'MANUAL', $3, 1, 'EACH', $4::numeric, $4::bigint, $5, $6::numeric, $7::date, $8::date, $9)`,
        [
          id,
          next,
          line.description,
          line.amountMinor.toString(),
          line.taxCategory,
          line.taxRate,
          doc.period_start,
          doc.period_end,
          line.reason,
        ],
      );
      await this.retotal(c, id, doc.type === 'CREDIT_NOTE');
      await this.audit(c, actor, 'billing_document.manual_line_added', id, {
        lineNo: next,
        amountMinor: line.amountMinor.toString(),
        reason: line.reason,
      });
    });
    return this.get(id);
  }

  /** Removes a manual line of a held draft (only manual lines: computed ones are recomputed, not edited). */
  async removeManualLine(id: string, lineNo: number, reason: string, actor: string): Promise<DocumentDetail> {
    await withTransaction(this.pool, async (c) => {
      const doc = await this.lockHeld(c, id);
      const res = await c.query(`delete from billing_document_line where document_id = $1 and line_no = $2 and kind = 'MANUAL'`, [
        id,
        lineNo,
      ]);
      if (res.rowCount === 0) throw BillingError.invalid('lineNo', `document ${id} has no manual line ${lineNo}`);
      await this.retotal(c, id, doc.type === 'CREDIT_NOTE');
      await this.audit(c, actor, 'billing_document.manual_line_removed', id, { lineNo, reason });
    });
    return this.get(id);
  }

  /** Approves a held draft: it is issued at once, with the next number of its series. */
  async approve(id: string, reason: string, actor: string): Promise<DocumentDetail> {
    const issueDate = await withTransaction(this.pool, async (c) => {
      const doc = await this.lockHeld(c, id);
      await c.query(`update billing_document set status = 'DRAFT', approved_by = $2, approved_at = $3, updated_at = $3 where id = $1`, [
        id,
        actor,
        new Date(this.clock.nowMs()),
      ]);
      await this.audit(c, actor, 'billing_document.approved', id, { reason, holdReasons: doc.hold_reasons });
      return (doc.period_end as string | null) === null ? this.today() : addDays(doc.period_end as string, -1);
    });
    await this.finalizer.finalize({ documentIds: [id] }, { issueDate, nowMs: this.clock.nowMs() });
    return this.issued(id);
  }

  /** Rejects a held draft: it is never issued. */
  async reject(id: string, reason: string, actor: string): Promise<DocumentDetail> {
    await withTransaction(this.pool, async (c) => {
      await this.lockHeld(c, id);
      await c.query(`update billing_document set status = 'REJECTED', updated_at = $2 where id = $1`, [id, new Date(this.clock.nowMs())]);
      await this.audit(c, actor, 'billing_document.rejected', id, { reason });
    });
    return this.get(id);
  }

  /**
   * A credit or debit note of an issued invoice, issued at once: one CORRECTION line of `netMinor`
   * taxed at the invoice's main rate. A credit note above what is left to credit is refused by the
   * database at commit (CREDIT_LIMIT_EXCEEDED) and nothing is written. The same idempotency key
   * gives the same note back.
   */
  async note(invoiceId: string, type: 'CREDIT_NOTE' | 'DEBIT_NOTE', r: NoteRequest, actor: string): Promise<DocumentDetail> {
    const noteId = `${type === 'CREDIT_NOTE' ? 'cn' : 'dn'}-${createHash('sha256').update(`${invoiceId}|${r.idempotencyKey}`).digest('hex').slice(0, 40)}`;
    const fingerprint = `${type}|${r.netMinor}|${r.creditKind ?? ''}|${r.reason}`;
    const key = `note|${invoiceId}|${r.idempotencyKey}`;
    const replay = await this.replayed(key, fingerprint);
    if (replay) return replay;
    const raced = await withTransaction(this.pool, async (c) => {
      const { rows } = await c.query(
        `select d.id, d.type, d.status, d.account_id, d.legal_entity_id, d.currency, d.payment_terms_days,
           (select tax_category from billing_document_tax t where t.document_id = d.id order by taxable_minor desc limit 1) as tax_category,
           (select tax_rate::text from billing_document_tax t where t.document_id = d.id order by taxable_minor desc limit 1) as tax_rate
         from billing_document d where d.id = $1 for update`,
        [invoiceId],
      );
      if (rows.length === 0) throw new BillingError(BillingErrorCode.DOCUMENT_NOT_FOUND, `no billing document ${invoiceId}`, 'documentId');
      const inv = rows[0];
      if (inv.type !== 'INVOICE' || !['ISSUED', 'PARTIALLY_PAID', 'PAID'].includes(inv.status))
        throw new BillingError(
          BillingErrorCode.WRONG_STATUS,
          `document ${invoiceId} is a ${inv.status} ${inv.type}: notes correct issued invoices`,
          'documentId',
        );
      const category = (inv.tax_category as TaxCategory | null) ?? 'STANDARD';
      const rate = trimDecimal((inv.tax_rate as string | null) ?? '0');
      const tax = roundMinor(new Decimal(r.netMinor.toString()).times(rate));
      const now = new Date(this.clock.nowMs());
      await c.query(
        `insert into billing_document (id, idempotency_key, account_id, type, status, legal_entity_id, currency, net_minor, tax_minor, gross_minor,
           payment_terms_days, corrects_document_id, credit_kind, request_fingerprint, created_at, updated_at)
         values ($1, $2, $3, $4, 'DRAFT', $5, $6, $7::bigint, $8::bigint, $9::bigint, $10, $11, $12, $13, $14, $14)`,
        [
          noteId,
          `note|${invoiceId}|${r.idempotencyKey}`,
          inv.account_id,
          type,
          inv.legal_entity_id,
          inv.currency,
          r.netMinor.toString(),
          tax.toString(),
          (r.netMinor + tax).toString(),
          inv.payment_terms_days,
          invoiceId,
          type === 'CREDIT_NOTE' ? (r.creditKind ?? 'ACCOUNT_CREDIT') : null,
          fingerprint,
          now,
        ],
      );
      await c.query(
        `insert into billing_document_line (document_id, line_no, kind, description, quantity, unit, unit_price_minor, amount_minor, tax_category, tax_rate, reason)
         values ($1, 1, 'CORRECTION', $2, 1, 'EACH', $3::numeric, $3::bigint, $4, $5::numeric, $6)`,
        [noteId, `${type === 'CREDIT_NOTE' ? 'Credit' : 'Debit'} of invoice ${invoiceId}`, r.netMinor.toString(), category, rate, r.reason],
      );
      await c.query(
        `insert into billing_document_tax (document_id, tax_category, tax_rate, taxable_minor, tax_minor) values ($1, $2, $3::numeric, $4::bigint, $5::bigint)`,
        [noteId, category, rate, r.netMinor.toString(), tax.toString()],
      );
      await this.audit(c, actor, type === 'CREDIT_NOTE' ? 'billing_document.credited' : 'billing_document.debited', invoiceId, {
        noteId,
        netMinor: r.netMinor.toString(),
        reason: r.reason,
        creditKind: r.creditKind ?? null,
      });
      // The credit limit is a deferred check: make it fire here, inside this transaction, for a precise refusal.
      await c.query('set constraints all immediate').catch((err: unknown) => {
        if (err instanceof Error && /would credit/.test(err.message))
          throw new BillingError(
            BillingErrorCode.CREDIT_LIMIT_EXCEEDED,
            `credit notes of ${invoiceId} ${err.message.replace(/^credit notes of \S+ /, '')}`,
            'netMinor',
          );
        throw err;
      });
    }).then(
      () => null,
      (err: unknown) => this.racedReplay(err, key, fingerprint),
    );
    if (raced) return raced;
    await this.finalizer.finalize({ documentIds: [noteId] }, { issueDate: this.today(), nowMs: this.clock.nowMs() });
    return this.issued(noteId);
  }

  /**
   * An advance invoice of an account (issue 9: deposits and prepayments, which collections settles),
   * issued at once in the ADV series of the account's legal entity. A DEPOSIT carries no tax (category
   * NONE); a PREPAYMENT is taxed at the standard rate of the account's jurisdiction today. It posts the
   * receivable against CUSTOMER_ADVANCES (a liability, not revenue) and tax payable. The same
   * Idempotency-Key gives the same document; reused for another request it is refused.
   */
  async advanceInvoice(accountId: string, r: AdvanceRequest, actor: string): Promise<DocumentDetail> {
    const key = `advance|${accountId}|${r.idempotencyKey}`;
    const id = `adv-${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;
    const fingerprint = `ADVANCE_INVOICE|${r.kind}|${r.netMinor}|${r.description}`;
    const replay = await this.replayed(key, fingerprint);
    if (replay) return replay;
    const today = this.today();
    const raced = await withTransaction(this.pool, async (c) => {
      const { rows } = await c.query(
        `select a.currency, coalesce(a.legal_entity_id, $2) as legal_entity_id, coalesce(a.payment_terms_days, $3)::int as payment_terms_days,
           (select (t.rate_percent / 100)::text from tax_rate t where t.jurisdiction = a.tax_jurisdiction and t.category = 'STANDARD'
              and t.valid_from <= $4::date and (t.valid_to is null or t.valid_to > $4::date) order by t.valid_from desc limit 1) as rate
         from billing_account a where a.id = $1`,
        [accountId, LEGAL_ENTITY_DEFAULT, PAYMENT_TERMS_DEFAULT_DAYS, today],
      );
      if (rows.length === 0) throw new BillingError(BillingErrorCode.ACCOUNT_NOT_FOUND, `no billing account ${accountId}`, 'accountId');
      const a = rows[0];
      if (r.kind === 'PREPAYMENT' && a.rate === null)
        throw new BillingError(
          BillingErrorCode.NOT_INVOICED,
          `account ${accountId} has no STANDARD tax rate of its jurisdiction on ${today}: a prepayment is taxed`,
          'kind',
        );
      const category: TaxCategory = r.kind === 'DEPOSIT' ? 'NONE' : 'STANDARD';
      const rate = r.kind === 'DEPOSIT' ? '0' : trimDecimal(a.rate as string);
      const tax = roundMinor(new Decimal(r.netMinor.toString()).times(rate));
      const now = new Date(this.clock.nowMs());
      await c.query(
        `insert into billing_document (id, idempotency_key, account_id, type, status, legal_entity_id, currency, net_minor, tax_minor, gross_minor,
           payment_terms_days, request_fingerprint, created_at, updated_at)
         values ($1, $2, $3, 'ADVANCE_INVOICE', 'DRAFT', $4, $5, $6::bigint, $7::bigint, $8::bigint, $9, $10, $11, $11)`,
        [
          id,
          key,
          accountId,
          a.legal_entity_id,
          (a.currency as string).trim(),
          r.netMinor.toString(),
          tax.toString(),
          (r.netMinor + tax).toString(),
          a.payment_terms_days,
          fingerprint,
          now,
        ],
      );
      await c.query(
        `insert into billing_document_line (document_id, line_no, kind, description, quantity, unit, unit_price_minor, amount_minor, tax_category, tax_rate, reason)
         values ($1, 1, 'MANUAL', $2, 1, 'EACH', $3::numeric, $3::bigint, $4, $5::numeric, $6)`,
        [id, `${r.kind === 'DEPOSIT' ? 'Deposit' : 'Prepayment'}: ${r.description}`, r.netMinor.toString(), category, rate, r.kind],
      );
      await c.query(
        `insert into billing_document_tax (document_id, tax_category, tax_rate, taxable_minor, tax_minor) values ($1, $2, $3::numeric, $4::bigint, $5::bigint)`,
        [id, category, rate, r.netMinor.toString(), tax.toString()],
      );
      await this.audit(c, actor, 'billing_document.advance_invoiced', id, {
        accountId,
        kind: r.kind,
        netMinor: r.netMinor.toString(),
        description: r.description,
      });
    }).then(
      () => null,
      (err: unknown) => this.racedReplay(err, key, fingerprint),
    );
    if (raced) return raced;
    await this.finalizer.finalize({ documentIds: [id] }, { issueDate: today, nowMs: this.clock.nowMs() });
    return this.issued(id);
  }

  /** The document an earlier request with this idempotency key made, or null; the key reused for another request is refused. */
  private async replayed(key: string, fingerprint: string): Promise<DocumentDetail | null> {
    const existing = await this.pool.query(`select id, request_fingerprint from billing_document where idempotency_key = $1`, [key]);
    if (existing.rows.length === 0) return null;
    if (existing.rows[0].request_fingerprint !== fingerprint)
      throw new BillingError(
        BillingErrorCode.IDEMPOTENCY_KEY_REUSED,
        'this Idempotency-Key was used for another request',
        'Idempotency-Key',
      );
    // Issued by the earlier request; rendered too unless that request died first.
    return this.issued(existing.rows[0].id as string);
  }

  /** A document this service issued, rendered (what is missing of it) when a renderer is configured. */
  private async issued(id: string): Promise<DocumentDetail> {
    await this.renderer?.renderMissing([id]);
    return this.get(id);
  }

  /** A concurrent request with the same key won the insert (unique violation): answer with its document. */
  private async racedReplay(err: unknown, key: string, fingerprint: string): Promise<DocumentDetail> {
    if ((err as { code?: string }).code === '23505') {
      const replay = await this.replayed(key, fingerprint);
      if (replay) return replay;
    }
    throw err;
  }

  private today(): string {
    return new Date(this.clock.nowMs()).toISOString().slice(0, 10);
  }

  private async lockHeld(c: PoolClient, id: string): Promise<Row> {
    const { rows } = await c.query(
      `select id, status, type, hold_reasons, to_char(period_start, 'YYYY-MM-DD') as period_start, to_char(period_end, 'YYYY-MM-DD') as period_end
       from billing_document where id = $1 for update`,
      [id],
    );
    if (rows.length === 0) throw new BillingError(BillingErrorCode.DOCUMENT_NOT_FOUND, `no billing document ${id}`, 'documentId');
    if (rows[0].status !== 'HELD') {
      const final = !['DRAFT', 'HELD'].includes(rows[0].status as string);
      throw new BillingError(
        final ? BillingErrorCode.DOCUMENT_IMMUTABLE : BillingErrorCode.WRONG_STATUS,
        final
          ? `document ${id} is ${rows[0].status}: it never changes; correct it with a credit or debit note`
          : `document ${id} is ${rows[0].status}, not HELD`,
        'documentId',
      );
    }
    return rows[0];
  }

  /** Net from the leaf lines, tax per (category, rate) over the document rounded once per group, gross. */
  private async retotal(c: PoolClient, id: string, positive: boolean): Promise<void> {
    const { rows } = await c.query<{ tax_category: string; tax_rate: string; taxable: string }>(
      `select tax_category, tax_rate::text, sum(amount_minor)::text as taxable from billing_document_line where document_id = $1 and kind <> 'SUBSCRIPTION'
       group by 1, 2 order by 1, 2`,
      [id],
    );
    await c.query(`delete from billing_document_tax where document_id = $1`, [id]);
    let net = 0n;
    let tax = 0n;
    for (const g of rows) {
      const taxable = BigInt(g.taxable);
      const t = roundMinor(new Decimal(g.taxable).times(g.tax_rate));
      net += taxable;
      tax += t;
      await c.query(
        `insert into billing_document_tax (document_id, tax_category, tax_rate, taxable_minor, tax_minor) values ($1, $2, $3::numeric, $4::bigint, $5::bigint)`,
        [id, g.tax_category, g.tax_rate, taxable.toString(), t.toString()],
      );
    }
    if (net + tax < 0n)
      throw BillingError.invalid(
        'amountMinor',
        `the document would total ${net + tax}: a document never totals below zero${positive ? '' : '; issue a credit note instead'}`,
      );
    await c.query(
      `update billing_document set net_minor = $2::bigint, tax_minor = $3::bigint, gross_minor = $4::bigint, updated_at = $5 where id = $1`,
      [id, net.toString(), tax.toString(), (net + tax).toString(), new Date(this.clock.nowMs())],
    );
  }

  private async audit(c: PoolClient, actor: string, action: string, entityId: string, details: Record<string, unknown>): Promise<void> {
    await c.query(
      `insert into audit_log (actor, action, entity_type, entity_id, details, created_at) values ($1, $2, 'billing_document', $3, $4, $5)`,
      [actor, action, entityId, JSON.stringify(details), new Date(this.clock.nowMs())],
    );
  }
}

export const DOCUMENT_FILTER_VALUES = { statuses: DOCUMENT_STATUSES, types: DOCUMENT_TYPES, taxCategories: TAX_CATEGORIES };
