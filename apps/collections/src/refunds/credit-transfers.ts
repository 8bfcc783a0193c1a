/**
 * Credit-transfer batches: the APPROVED bank refunds go out as one pain.001.001.03 file for the bank.
 * One transaction: the batch row with its file (bytes fixed at creation: fetching it again gives the
 * same file), every refund in it SENT with the batch's id, and REFUND_PAID posted for each
 * (REFUNDS_PAYABLE +amount, BANK -amount). Keyed by the operator's Idempotency-Key: the same key again
 * answers the same batch, and a refund is in at most one batch (its status leaves APPROVED under the
 * row lock), so a held refund is never sent twice.
 */
import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { withTransaction } from '@app/db';
import type { Creditor } from '../direct-debit/pain008';
import { postLedgerTransaction } from '../matching/ledger-accounts';
import { CollectionsError, CollectionsErrorCode } from '../payments/collections-error';
import { isCalendarDate, readIdempotencyKey } from '../payments/query-params';
import { buildPain001 } from './pain001';
import { REFUND_PAID_KIND, refundPaidLegs, writeRefundStatusEvents } from './refunds';

/** Refunds in one pain.001 file at most (banks cap file sizes; the rest wait for the next batch). */
export const CREDIT_TRANSFER_BATCH_MAX = 5_000;
/** How far ahead an execution date may be. */
export const CREDIT_TRANSFER_AHEAD_DAYS_MAX = 30;

export interface CreditTransferBatchView {
  id: string;
  executionDate: string;
  refunds: number;
  totalMinor: string;
  currency: string;
  fileSha256: string;
  createdBy: string;
  createdAt: string;
  refundIds: string[];
}

/** The request from a REST body and header; throws INVALID_ARGUMENT naming the field. Pure. */
export function parseBatchRequest(
  idempotencyKey: string | undefined,
  b: Record<string, unknown>,
  today: string,
): { idempotencyKey: string; executionDate: string } {
  const key = readIdempotencyKey(idempotencyKey);
  const date = b.executionDate ?? today;
  if (!isCalendarDate(date)) throw CollectionsError.invalid('executionDate', 'a date YYYY-MM-DD');
  const ahead = (Date.parse(`${date}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / 86_400_000;
  if (ahead < 0 || ahead > CREDIT_TRANSFER_AHEAD_DAYS_MAX)
    throw CollectionsError.invalid('executionDate', `from today ${today} to ${CREDIT_TRANSFER_AHEAD_DAYS_MAX} days ahead`);
  return { idempotencyKey: key, executionDate: date };
}

export class CreditTransfers {
  constructor(
    private readonly pool: Pool,
    /** The operator's account the refunds are paid from (DD_CREDITOR_*); undefined: batches are refused (503). */
    private readonly debtor: Creditor | undefined,
  ) {}

  /** The batch of every APPROVED bank refund now (up to CREDIT_TRANSFER_BATCH_MAX), or the one made earlier with this key; null if none waits. */
  async createBatch(
    r: { idempotencyKey: string; executionDate: string; actor: string },
    nowMs: number,
  ): Promise<{ batch: CreditTransferBatchView | null; created: boolean }> {
    const debtor = this.debtor;
    if (debtor === undefined)
      throw new CollectionsError(
        CollectionsErrorCode.DIRECT_DEBIT_NOT_CONFIGURED,
        "credit transfers need the operator's account: set DD_CREDITOR_IBAN and DD_CREDITOR_ID",
      );
    const id = `ct-${createHash('sha1').update(r.idempotencyKey).digest('hex').slice(0, 32)}`;
    const now = new Date(nowMs);
    // made: a batch exists under this key (made now or earlier); false when no bank refund was waiting.
    const { made, created } = await withTransaction(this.pool, async (c) => {
      const { rows: earlier } = await c.query<{ execution_date: string }>(
        `select to_char(execution_date, 'YYYY-MM-DD') as execution_date from credit_transfer_batch where id = $1`,
        [id],
      );
      if (earlier.length > 0) {
        if (earlier[0].execution_date !== r.executionDate)
          throw CollectionsError.conflict(`idempotency key ${r.idempotencyKey} made the batch of ${earlier[0].execution_date}`, {
            batchId: id,
          });
        return { made: true, created: false };
      }
      const { rows: refunds } = await c.query<{
        id: string;
        account_id: string;
        amount_minor: string;
        payee_name: string;
        payee_iban: string;
        payee_bic: string | null;
        reason: string | null;
      }>(
        `select id, account_id, amount_minor::text, payee_name, payee_iban, payee_bic, reason from refund
         where status = 'APPROVED' and method = 'BANK_TRANSFER' and currency = 'EUR' order by released_at, id limit $1 for update skip locked`,
        [CREDIT_TRANSFER_BATCH_MAX],
      );
      if (refunds.length === 0) return { made: false, created: false };
      const xml = buildPain001({
        messageId: id,
        createdAt: now.toISOString().slice(0, 19),
        executionDate: r.executionDate,
        debtor: { name: debtor.name, iban: debtor.iban, ...(debtor.bic === undefined ? {} : { bic: debtor.bic }) },
        transfers: refunds.map((f) => ({
          endToEndId: f.id,
          amountMinor: BigInt(f.amount_minor),
          creditorName: f.payee_name,
          creditorIban: f.payee_iban,
          ...(f.payee_bic === null ? {} : { creditorBic: f.payee_bic }),
          remittance: f.reason ?? `Refund ${f.id}`,
        })),
      });
      const total = refunds.reduce((s, f) => s + BigInt(f.amount_minor), 0n);
      await c.query(
        `insert into credit_transfer_batch (id, idempotency_key, execution_date, refunds, total_minor, currency, file_xml, file_sha256, created_by, created_at)
         values ($1, $2, $3, $4, $5, 'EUR', $6, $7, $8, $9)`,
        [
          id,
          r.idempotencyKey,
          r.executionDate,
          refunds.length,
          total.toString(),
          xml,
          createHash('sha256').update(xml).digest('hex'),
          r.actor,
          now,
        ],
      );
      await c.query(`update refund set status = 'SENT', batch_id = $2, updated_at = $3 where id = any($1::text[])`, [
        refunds.map((f) => f.id),
        id,
        now,
      ]);
      await writeRefundStatusEvents(
        c,
        refunds.map((f) => f.id),
        now,
      );
      // A deposit returned is paid out with its refund.
      await c.query(`update deposit set status = 'RETURNED', updated_at = $2 where refund_id = any($1::text[])`, [
        refunds.map((f) => f.id),
        now,
      ]);
      for (const f of refunds)
        await postLedgerTransaction(c, {
          key: `refund-paid|${f.id}`,
          kind: REFUND_PAID_KIND,
          sourceId: f.id,
          currency: 'EUR',
          postedOn: r.executionDate,
          now,
          legs: refundPaidLegs({ accountId: f.account_id, amountMinor: BigInt(f.amount_minor) }),
        });
      await c.query(
        `insert into audit_log (actor, action, entity_type, entity_id, details, created_at) values ($1, 'refund.credit_transfer', 'credit_transfer_batch', $2, $3, $4)`,
        [r.actor, id, JSON.stringify({ refunds: refunds.length, totalMinor: total.toString(), executionDate: r.executionDate }), now],
      );
      return { made: true, created: true };
    });
    return { batch: made ? await this.get(id) : null, created };
  }

  async get(id: string): Promise<CreditTransferBatchView> {
    const { rows } = await this.pool.query<{
      id: string;
      execution_date: string;
      refunds: number;
      total_minor: string;
      currency: string;
      file_sha256: string;
      created_by: string;
      created_at: Date;
      refund_ids: string[];
    }>(
      `select b.id, to_char(b.execution_date, 'YYYY-MM-DD') as execution_date, b.refunds, b.total_minor::text, trim(b.currency) as currency,
         b.file_sha256, b.created_by, b.created_at, array(select id from refund where batch_id = b.id order by released_at, id) as refund_ids
       from credit_transfer_batch b where b.id = $1`,
      [id],
    );
    if (rows.length === 0) throw CollectionsError.notFound(`credit-transfer batch ${id}`);
    const b = rows[0];
    return {
      id: b.id,
      executionDate: b.execution_date,
      refunds: b.refunds,
      totalMinor: b.total_minor,
      currency: b.currency,
      fileSha256: b.file_sha256,
      createdBy: b.created_by,
      createdAt: b.created_at.toISOString(),
      refundIds: b.refund_ids,
    };
  }

  /** The batch's pain.001 file, the same bytes every time. */
  async file(id: string): Promise<string> {
    const { rows } = await this.pool.query<{ file_xml: string }>(`select file_xml from credit_transfer_batch where id = $1`, [id]);
    if (rows.length === 0) throw CollectionsError.notFound(`credit-transfer batch ${id}`);
    return rows[0].file_xml;
  }
}
