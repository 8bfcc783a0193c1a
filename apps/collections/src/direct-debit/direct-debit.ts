/**
 * SEPA direct debit (issue 10): mandates, collection runs with their pain.008 file, settlement, and
 * returns with the action of their reason code. Every step is idempotent and crash-safe:
 *
 * - a run is created in ONE transaction per collection date (an advisory lock per date; creating it
 *   again returns it): its instructions and its file together or nothing;
 * - a document has at most one live (PENDING) instruction (unique index);
 * - settling records each instruction's payment through the payment applier under the key
 *   (DIRECT_DEBIT, creditor IBAN, instruction id), then marks the instruction: a crash between the two
 *   is mended by settling again (the payment is found, not made twice);
 * - a return is recorded once per instruction, in one transaction with the reversal of that payment's
 *   allocations (matching/reverse-payment.ts) and the action (mandate stopped, re-presentation queued).
 */
import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { withTransaction } from '@app/db';
import { ibanProblem } from '@app/money';
import { PaymentApplier } from '../matching/apply-payment';
import { reversePayment } from '../matching/reverse-payment';
import { CollectionsError, CollectionsErrorCode } from '../payments/collections-error';
import { isCalendarDate } from '../payments/query-params';
import type { ReceivedPayment } from '../payments/statements/statement-types';
import { buildPain008, type Creditor, type DirectDebitTransaction, SEPA_NAME_MAX } from './pain008';
import { parseReturnFile, returnAction, type ReturnAction } from './returns';
import { payableDocument } from '../matching/document-paid';

/** SEPA mandate ids: 1-35 of the characters SEPA allows. */
export const MANDATE_ID_PATTERN = /^[A-Za-z0-9/?:().,'+ -]{1,35}$/;
export const BIC_PATTERN = /^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$/;
/** Documents one run debits at most. */
export const DD_RUN_INSTRUCTIONS_MAX = 100_000;

const sha1 = (t: string) => createHash('sha1').update(t).digest('hex');
const isDate = isCalendarDate;

export interface MandateInput {
  mandateId: string;
  accountId: string;
  debtorName: string;
  iban: string;
  bic?: string;
  signedOn: string;
}

export interface MandateView {
  mandateId: string;
  accountId: string;
  debtorName: string;
  iban: string;
  bic: string | null;
  signedOn: string;
  sequence: string;
  status: string;
  statusReason: string | null;
}

export interface RunView {
  runId: string;
  collectionDate: string;
  instructions: number;
  totalMinor: string;
  fileSha256: string | null;
  created: boolean;
  byStatus: Record<string, number>;
}

export interface ReturnsOutcome {
  format: string;
  returns: number;
  duplicates: number;
  unknown: { endToEndId: string; line: number }[];
  skipped: { line: number; reason: string }[];
  actions: { endToEndId: string; reasonCode: string; action: ReturnAction }[];
}

const MANDATE_COLUMNS = `id as "mandateId", account_id as "accountId", debtor_name as "debtorName", iban, bic,
  to_char(signed_on, 'YYYY-MM-DD') as "signedOn", sequence, status, status_reason as "statusReason"`;

export class DirectDebit {
  constructor(
    private readonly pool: Pool,
    /** Absent until DD_CREDITOR_IBAN and DD_CREDITOR_ID are configured: mandates work, runs and settlement are refused. */
    private readonly creditorConfig: Creditor | undefined,
    /** Settlement applies each debit through it (with the process's after-payment hook). */
    private readonly applier: PaymentApplier = new PaymentApplier(pool),
    /** Called after a return left to dunning (action DUNNING) has committed: dunning evaluates the account at once. */
    private readonly afterDunningReturn?: (accountId: string) => Promise<void>,
  ) {}

  private get creditor(): Creditor {
    if (this.creditorConfig === undefined)
      throw new CollectionsError(
        CollectionsErrorCode.DIRECT_DEBIT_NOT_CONFIGURED,
        'direct debit needs the creditor: set DD_CREDITOR_IBAN and DD_CREDITOR_ID (and DD_CREDITOR_NAME)',
      );
    return this.creditorConfig;
  }

  // ---- mandates ----

  async createMandate(m: MandateInput, nowMs: number): Promise<MandateView> {
    if (typeof m.mandateId !== 'string' || !MANDATE_ID_PATTERN.test(m.mandateId))
      throw CollectionsError.invalid('mandateId', `1-35 characters of ${MANDATE_ID_PATTERN.source}`);
    if (typeof m.accountId !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(m.accountId))
      throw CollectionsError.invalid('accountId', 'not an account id');
    if (typeof m.debtorName !== 'string' || m.debtorName.trim() === '' || m.debtorName.length > SEPA_NAME_MAX)
      throw CollectionsError.invalid('debtorName', `1-${SEPA_NAME_MAX} characters`);
    const problem = typeof m.iban === 'string' ? ibanProblem(m.iban) : 'not a string';
    if (problem !== null) throw CollectionsError.invalid('iban', problem);
    if (m.bic !== undefined && (typeof m.bic !== 'string' || !BIC_PATTERN.test(m.bic)))
      throw CollectionsError.invalid('bic', 'not a BIC (8 or 11 characters)');
    if (typeof m.signedOn !== 'string' || !isDate(m.signedOn)) throw CollectionsError.invalid('signedOn', 'a date YYYY-MM-DD');
    if (m.signedOn > new Date(nowMs).toISOString().slice(0, 10)) throw CollectionsError.invalid('signedOn', 'is in the future');
    return withTransaction(this.pool, async (c) => {
      const account = await c.query(`select 1 from billing_account where id = $1`, [m.accountId]);
      if (account.rowCount === 0) throw CollectionsError.notFound(`billing account ${m.accountId}`);
      const existing = await c.query<MandateView>(`select ${MANDATE_COLUMNS} from sepa_mandate where id = $1`, [m.mandateId]);
      if (existing.rows.length > 0) {
        const e = existing.rows[0];
        // The same mandate again is a replay; another one under its id is refused.
        if (e.accountId === m.accountId && e.iban === m.iban && e.signedOn === m.signedOn) return e;
        throw CollectionsError.invalid('mandateId', `mandate ${m.mandateId} exists with other details`);
      }
      const active = await c.query(`select id from sepa_mandate where account_id = $1 and status = 'ACTIVE' for update`, [m.accountId]);
      const now = new Date(nowMs);
      // A new mandate replaces the active one (the customer signed for another account).
      if (active.rows.length > 0)
        await c.query(`update sepa_mandate set status = 'REVOKED', status_reason = $2, updated_at = $3 where id = $1`, [
          active.rows[0].id,
          `replaced by mandate ${m.mandateId}`,
          now,
        ]);
      const { rows } = await c.query<MandateView>(
        `insert into sepa_mandate (id, account_id, debtor_name, iban, bic, signed_on, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $7) returning ${MANDATE_COLUMNS}`,
        [m.mandateId, m.accountId, m.debtorName.trim(), m.iban, m.bic ?? null, m.signedOn, now],
      );
      await c.query(
        `insert into audit_log (actor, action, entity_type, entity_id, details, created_at) values ('collections', 'sepa_mandate.create', 'sepa_mandate', $1, $2, $3)`,
        [m.mandateId, JSON.stringify({ accountId: m.accountId, replaced: active.rows[0]?.id ?? null }), now],
      );
      return rows[0];
    });
  }

  async listMandates(accountId: string): Promise<MandateView[]> {
    const { rows } = await this.pool.query<MandateView>(
      `select ${MANDATE_COLUMNS} from sepa_mandate where account_id = $1 order by created_at, id`,
      [accountId],
    );
    return rows;
  }

  async revokeMandate(mandateId: string, reason: string, nowMs: number): Promise<MandateView> {
    const { rows } = await this.pool.query<MandateView>(
      `update sepa_mandate set status = case when status = 'ACTIVE' then 'REVOKED' else status end,
         status_reason = case when status = 'ACTIVE' then $2 else status_reason end, updated_at = $3
       where id = $1 returning ${MANDATE_COLUMNS}`,
      [mandateId, reason, new Date(nowMs)],
    );
    if (rows.length === 0) throw CollectionsError.notFound(`mandate ${mandateId}`);
    return rows[0];
  }

  // ---- runs ----

  /** The run of `collectionDate` (YYYY-MM-DD): created with its file once, returned as it is afterwards. */
  async run(collectionDate: string, o: { createdBy: string; nowMs: number }): Promise<RunView> {
    if (!isDate(collectionDate)) throw CollectionsError.invalid('date', 'a date YYYY-MM-DD');
    const creditor = this.creditor;
    const created = await withTransaction(this.pool, async (c) => {
      await c.query(`select pg_advisory_xact_lock(hashtext('dd_run|' || $1))`, [collectionDate]);
      const existing = await c.query(`select id from dd_run where collection_date = $1`, [collectionDate]);
      if (existing.rows.length > 0) return false;
      await this.createRun(c, collectionDate, creditor, o);
      return true;
    });
    return { ...(await this.runView(collectionDate)), created };
  }

  private async createRun(
    c: PoolClient,
    collectionDate: string,
    creditor: Creditor,
    o: { createdBy: string; nowMs: number },
  ): Promise<void> {
    const runId = `DDR-${collectionDate}-${sha1(`${collectionDate}|${creditor.creditorId}`).slice(0, 8)}`;
    const now = new Date(o.nowMs);
    // Open invoices due by the collection date of accounts with an active mandate, not already live in a
    // run; and the debits returned for insufficient funds once, presented again.
    const { rows } = await c.query<{
      document_id: string;
      presentation: number;
      open_minor: string;
      mandate_id: string;
      account_id: string;
      sequence: 'FRST' | 'RCUR';
      signed_on: string;
      debtor_name: string;
      iban: string;
      bic: string | null;
      number_text: string;
      payment_reference: string | null;
      represents: string | null;
    }>(
      `select d.id as document_id, coalesce(r.presentation, 1) as presentation, (d.gross_minor - d.paid_minor)::text as open_minor,
         m.id as mandate_id, d.account_id, m.sequence, to_char(m.signed_on, 'YYYY-MM-DD') as signed_on, m.debtor_name, m.iban, m.bic,
         d.number_text, d.payment_reference, r.instruction_id as represents
       from billing_document d
       join sepa_mandate m on m.account_id = d.account_id and m.status = 'ACTIVE'
       left join lateral (
         select i.id as instruction_id, 2 as presentation from dd_instruction i join dd_return x on x.instruction_id = i.id
         where i.document_id = d.id and x.action = 'REPRESENT' and x.resolved_at is null limit 1) r on true
       where ${payableDocument('d')} and d.currency = 'EUR'
         and d.due_date <= $1
         and not exists (select 1 from dd_instruction i where i.document_id = d.id and i.status = 'PENDING')
         and (r.instruction_id is not null or not exists (select 1 from dd_instruction i where i.document_id = d.id and i.status = 'RETURNED'))
       order by d.account_id collate "C", d.issue_date, d.id
       limit $2`,
      [collectionDate, DD_RUN_INSTRUCTIONS_MAX + 1],
    );
    if (rows.length > DD_RUN_INSTRUCTIONS_MAX)
      throw CollectionsError.invalid(
        'date',
        `more than ${DD_RUN_INSTRUCTIONS_MAX} documents to debit (DD_RUN_INSTRUCTIONS_MAX): split the run`,
      );
    const transactions: DirectDebitTransaction[] = rows.map((r) => ({
      endToEndId: `DD${sha1(`${r.document_id}|${r.presentation}|${collectionDate}`).slice(0, 30).toUpperCase()}`,
      sequence: r.sequence,
      amountMinor: BigInt(r.open_minor),
      mandateId: r.mandate_id,
      mandateSignedOn: r.signed_on,
      debtorName: r.debtor_name,
      debtorIban: r.iban,
      ...(r.bic === null ? {} : { debtorBic: r.bic }),
      remittance: `${r.number_text}${r.payment_reference === null ? '' : ` ${r.payment_reference}`}`,
    }));
    const total = transactions.reduce((s, t) => s + t.amountMinor, 0n);
    const xml =
      transactions.length === 0
        ? null
        : buildPain008({
            messageId: runId,
            createdAt: now.toISOString().slice(0, 19),
            collectionDate,
            creditor: this.creditor,
            transactions,
          });
    await c.query(
      `insert into dd_run (id, collection_date, created_at, created_by, instructions, total_minor, file_xml, file_sha256) values ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [runId, collectionDate, now, o.createdBy, transactions.length, total.toString(), xml, xml === null ? null : sha1x256(xml)],
    );
    if (rows.length === 0) return;
    await c.query(
      `insert into dd_instruction (id, run_id, document_id, mandate_id, account_id, sequence, presentation, currency, amount_minor, created_at, updated_at)
       select e, $1, d, m, a, s, p, 'EUR', amt, $2, $2 from unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::smallint[], $9::bigint[])
         as t(e, d, m, a, s, p, amt)`,
      [
        runId,
        now,
        transactions.map((t) => t.endToEndId),
        rows.map((r) => r.document_id),
        rows.map((r) => r.mandate_id),
        rows.map((r) => r.account_id),
        rows.map((r) => r.sequence),
        rows.map((r) => r.presentation),
        rows.map((r) => r.open_minor),
      ],
    );
    const represented = rows.filter((r) => r.represents !== null).map((r) => r.represents!);
    if (represented.length > 0)
      await c.query(`update dd_return set resolved_at = $2 where instruction_id = any($1::text[])`, [represented, now]);
  }

  async runView(collectionDate: string): Promise<Omit<RunView, 'created'>> {
    const { rows } = await this.pool.query<{ id: string; d: string; n: number; total: string; sha: string | null }>(
      `select id, to_char(collection_date, 'YYYY-MM-DD') as d, instructions as n, total_minor::text as total, file_sha256 as sha from dd_run where collection_date = $1`,
      [collectionDate],
    );
    if (rows.length === 0) throw CollectionsError.notFound(`direct-debit run of ${collectionDate}`);
    const r = rows[0];
    const statuses = await this.pool.query<{ status: string; n: number }>(
      `select status, count(*)::int as n from dd_instruction where run_id = $1 group by 1`,
      [r.id],
    );
    return {
      runId: r.id,
      collectionDate: r.d,
      instructions: r.n,
      totalMinor: r.total,
      fileSha256: r.sha,
      byStatus: Object.fromEntries(statuses.rows.map((s) => [s.status, s.n])),
    };
  }

  async runFile(collectionDate: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ file_xml: string | null }>(`select file_xml from dd_run where collection_date = $1`, [
      collectionDate,
    ]);
    if (rows.length === 0) throw CollectionsError.notFound(`direct-debit run of ${collectionDate}`);
    return rows[0].file_xml;
  }

  /** The bank collected the run: each PENDING instruction becomes a payment applied to its document. */
  async settle(collectionDate: string, o: { nowMs: number }): Promise<{ settled: number }> {
    const creditor = this.creditor;
    const { rows } = await this.pool.query<{
      id: string;
      amount_minor: string;
      mandate_id: string;
      sequence: string;
      number_text: string;
      payment_reference: string | null;
      debtor_name: string;
    }>(
      `select i.id, i.amount_minor::text, i.mandate_id, i.sequence, d.number_text, d.payment_reference, m.debtor_name
       from dd_instruction i join dd_run r on r.id = i.run_id join billing_document d on d.id = i.document_id join sepa_mandate m on m.id = i.mandate_id
       where r.collection_date = $1 and i.status = 'PENDING' order by i.id`,
      [collectionDate],
    );
    for (const r of rows) {
      const payment: ReceivedPayment = {
        kind: 'payment',
        channel: 'DIRECT_DEBIT',
        source: creditor.iban,
        bankReference: r.id,
        currency: 'EUR',
        amountMinor: BigInt(r.amount_minor),
        valueDate: collectionDate,
        bookingDate: collectionDate,
        endToEndId: r.id,
        creditorReferences: r.payment_reference === null ? [] : [r.payment_reference],
        remittanceInfo: r.number_text,
        debtorName: r.debtor_name,
      };
      const applied = await this.applier.apply(payment, { importId: null, nowMs: o.nowMs });
      await withTransaction(this.pool, async (c) => {
        await c.query(
          `update dd_instruction set status = 'SETTLED', payment_id = $2, updated_at = $3 where id = $1 and status = 'PENDING'`,
          [r.id, applied.paymentId, new Date(o.nowMs)],
        );
        if (r.sequence === 'FRST')
          await c.query(`update sepa_mandate set sequence = 'RCUR', updated_at = $2 where id = $1 and status = 'ACTIVE'`, [
            r.mandate_id,
            new Date(o.nowMs),
          ]);
      });
    }
    return { settled: rows.length };
  }

  // ---- returns ----

  async importReturns(xml: string, o: { nowMs: number }): Promise<ReturnsOutcome> {
    const file = parseReturnFile(xml);
    const out: ReturnsOutcome = { format: file.format, returns: 0, duplicates: 0, unknown: [], skipped: file.skipped, actions: [] };
    for (const r of file.returns) {
      const result = await withTransaction(this.pool, async (c) => this.applyReturn(c, r.endToEndId, r.reasonCode, file.format, o.nowMs));
      if (result === 'unknown') out.unknown.push({ endToEndId: r.endToEndId, line: r.line });
      else if (result === 'duplicate') out.duplicates++;
      else {
        out.returns++;
        out.actions.push({ endToEndId: r.endToEndId, reasonCode: r.reasonCode, action: result });
        if (result === 'DUNNING' && this.afterDunningReturn !== undefined) {
          const { rows } = await this.pool.query<{ account_id: string }>(
            `select d.account_id from dd_instruction i join billing_document d on d.id = i.document_id where i.id = $1`,
            [r.endToEndId],
          );
          // Its failure never fails the import: the daily dunning run evaluates the account anyway.
          if (rows.length > 0) await this.afterDunningReturn(rows[0].account_id).catch(() => undefined);
        }
      }
    }
    return out;
  }

  private async applyReturn(
    c: PoolClient,
    instructionId: string,
    reasonCode: string,
    format: 'PAIN_002' | 'CAMT_054',
    nowMs: number,
  ): Promise<ReturnAction | 'unknown' | 'duplicate'> {
    const { rows } = await c.query<{
      status: string;
      payment_id: string | null;
      presentation: number;
      mandate_id: string;
      sequence: string;
    }>(`select status, payment_id, presentation, mandate_id, sequence from dd_instruction where id = $1 for update`, [instructionId]);
    if (rows.length === 0) return 'unknown';
    const i = rows[0];
    if (i.status === 'RETURNED') return 'duplicate';
    const now = new Date(nowMs);
    const action = returnAction(reasonCode, i.presentation);
    if (i.payment_id !== null)
      await reversePayment(c, {
        paymentId: i.payment_id,
        reason: `direct debit ${instructionId} returned: ${reasonCode}`,
        postedOn: now.toISOString().slice(0, 10),
        now,
      });
    await c.query(`update dd_instruction set status = 'RETURNED', updated_at = $2 where id = $1`, [instructionId, now]);
    await c.query(`insert into dd_return (instruction_id, source_format, reason_code, action, created_at) values ($1, $2, $3, $4, $5)`, [
      instructionId,
      format,
      reasonCode,
      action,
      now,
    ]);
    if (action === 'STOP_MANDATE')
      await c.query(`update sepa_mandate set status = 'STOPPED', status_reason = $2, updated_at = $3 where id = $1 and status = 'ACTIVE'`, [
        i.mandate_id,
        `return ${reasonCode} of ${instructionId}`,
        now,
      ]);
    // A first debit that came back leaves the mandate where it was: the next one is a first again.
    else if (i.sequence === 'FRST')
      await c.query(`update sepa_mandate set sequence = 'FRST', updated_at = $2 where id = $1`, [i.mandate_id, now]);
    return action;
  }

  /** Returns an operator must look at (action OPERATOR), and those left to dunning. */
  async openReturns(): Promise<
    { instructionId: string; documentId: string; accountId: string; reasonCode: string; action: string; returnedAt: string }[]
  > {
    const { rows } = await this.pool.query(
      `select x.instruction_id as "instructionId", i.document_id as "documentId", i.account_id as "accountId", x.reason_code as "reasonCode",
         x.action, x.created_at as "returnedAt"
       from dd_return x join dd_instruction i on i.id = x.instruction_id where x.action in ('OPERATOR', 'DUNNING') and x.resolved_at is null
       order by x.created_at, x.instruction_id limit 500`,
    );
    return rows;
  }
}

function sha1x256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
