/**
 * Deposits (issue 10, section 3): money a customer leaves as security (cash, a cheque, a transfer),
 * held on the account. A deposit is:
 * - received: DEPOSIT_RECEIVED posts BANK +amount, DEPOSITS_HELD(account) -amount; keyed by the
 *   caller's Idempotency-Key (the same key again answers it; with another request it is a CONFLICT);
 * - applied, on termination (dunning's TERMINATION step applies every held deposit of the account, in
 *   the step's transaction) or by an operator: it becomes a payment of channel DEPOSIT (bank reference
 *   the deposit's id, so it is applied once) that the ordinary applier gives to the account's open
 *   documents, exact amount else oldest first; what they do not take is the account's credit. Its cash
 *   leg is DEPOSITS_HELD(account) instead of BANK;
 * - or returned: a refund of source DEPOSIT (refunds.ts: the circuit breakers, four eyes, a pain.001
 *   batch), whole, by bank transfer. A rejected or failed return puts it back to HELD.
 * The ledger check `deposits` (ledger-checks.ts) holds DEPOSITS_HELD per account to the HELD deposits.
 */
import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { withTransaction } from '@app/db';
import { isCurrencyCode } from '@app/money';
import { PaymentApplier } from '../matching/apply-payment';
import { LEDGER_ACCOUNT, postLedgerTransaction } from '../matching/ledger-accounts';
import { CollectionsError, CollectionsErrorCode } from '../payments/collections-error';
import { isCalendarDate, isId, POSITIVE_MINOR_PATTERN, readIdempotencyKey, readText } from '../payments/query-params';
import type { ReceivedPayment } from '../payments/statements/statement-types';

export const DEPOSIT_METHODS = ['CASH', 'CHEQUE', 'TRANSFER'] as const;
export type DepositMethod = (typeof DEPOSIT_METHODS)[number];
export const DEPOSIT_STATUSES = ['HELD', 'APPLIED', 'RETURNING', 'RETURNED'] as const;
export type DepositStatus = (typeof DEPOSIT_STATUSES)[number];
/** Largest deposit, in minor units. */
export const DEPOSIT_AMOUNT_MAX_MINOR = 100_000_000n;
export const DEPOSIT_REASON_MAX_LENGTH = 140;
/** The payment source of every deposit applied (with the deposit's id: the payment's unique key). */
export const DEPOSIT_SOURCE = 'DEPOSIT';
export const DEPOSIT_RECEIVED_KIND = 'DEPOSIT_RECEIVED';

export interface DepositRequest {
  idempotencyKey: string;
  accountId: string;
  amountMinor: bigint;
  currency: string;
  method: DepositMethod;
  valueDate: string;
  reason: string | null;
  actor: string;
}

export interface DepositView {
  id: string;
  accountId: string;
  currency: string;
  amountMinor: string;
  method: DepositMethod;
  valueDate: string;
  reason: string | null;
  status: DepositStatus;
  paymentId: string | null;
  refundId: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

/** The request from a REST body and header; throws INVALID_ARGUMENT naming the field. Pure. */
export function parseDepositRequest(key: string | undefined, b: Record<string, unknown>, actor: string, today: string): DepositRequest {
  const idempotencyKey = readIdempotencyKey(key);
  if (!isId(b.accountId)) throw CollectionsError.invalid('accountId', 'an id');
  if (typeof b.amountMinor !== 'string' || !POSITIVE_MINOR_PATTERN.test(b.amountMinor))
    throw CollectionsError.invalid('amountMinor', 'a positive whole number of minor units, as a string');
  const amountMinor = BigInt(b.amountMinor);
  if (amountMinor > DEPOSIT_AMOUNT_MAX_MINOR) throw CollectionsError.invalid('amountMinor', `at most ${DEPOSIT_AMOUNT_MAX_MINOR}`);
  if (!isCurrencyCode(b.currency)) throw CollectionsError.invalid('currency', 'an ISO 4217 code');
  if (!DEPOSIT_METHODS.includes(b.method as DepositMethod))
    throw CollectionsError.invalid('method', `one of ${DEPOSIT_METHODS.join(', ')}`);
  if (!isCalendarDate(b.valueDate)) throw CollectionsError.invalid('valueDate', 'a date YYYY-MM-DD');
  if (b.valueDate > today) throw CollectionsError.invalid('valueDate', `money is booked when received: not after today ${today}`);
  const reason = readText(b, 'reason', DEPOSIT_REASON_MAX_LENGTH);
  return {
    idempotencyKey,
    accountId: b.accountId,
    amountMinor,
    currency: b.currency,
    method: b.method as DepositMethod,
    valueDate: b.valueDate,
    reason,
    actor,
  };
}

export function depositIdOf(idempotencyKey: string): string {
  return `dp-${createHash('sha1').update(idempotencyKey).digest('hex').slice(0, 32)}`;
}

interface DepositRow {
  id: string;
  request_fingerprint: string;
  account_id: string;
  currency: string;
  amount_minor: string;
  method: DepositMethod;
  value_date: string;
  reason: string | null;
  status: DepositStatus;
  payment_id: string | null;
  refund_id: string | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, request_fingerprint, account_id, trim(currency) as currency, amount_minor::text, method, to_char(value_date, 'YYYY-MM-DD') as value_date,
  reason, status, payment_id, refund_id, created_by, created_at, updated_at`;

function view(r: DepositRow): DepositView {
  return {
    id: r.id,
    accountId: r.account_id,
    currency: r.currency,
    amountMinor: r.amount_minor,
    method: r.method,
    valueDate: r.value_date,
    reason: r.reason,
    status: r.status,
    paymentId: r.payment_id,
    refundId: r.refund_id,
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

const refused = (parameter: string, message: string) =>
  new CollectionsError(CollectionsErrorCode.DEPOSIT_REFUSED, `${parameter}: ${message}`, { parameter });

const audit = (c: PoolClient, actor: string, action: string, id: string, details: Record<string, unknown>, now: Date) =>
  c.query(`insert into audit_log (actor, action, entity_type, entity_id, details, created_at) values ($1, $2, 'deposit', $3, $4, $5)`, [
    actor,
    action,
    id,
    JSON.stringify(details),
    now,
  ]);

export class Deposits {
  constructor(
    private readonly pool: Pool,
    private readonly applier: PaymentApplier,
  ) {}

  async receive(r: DepositRequest, nowMs: number): Promise<{ deposit: DepositView; created: boolean }> {
    const id = depositIdOf(r.idempotencyKey);
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([r.accountId, r.amountMinor.toString(), r.currency, r.method, r.valueDate, r.reason]))
      .digest('hex');
    const now = new Date(nowMs);
    const created = await withTransaction(this.pool, async (c) => {
      const { rows: earlier } = await c.query<{ request_fingerprint: string }>(`select request_fingerprint from deposit where id = $1`, [
        id,
      ]);
      if (earlier.length > 0) {
        if (earlier[0].request_fingerprint !== fingerprint)
          throw CollectionsError.conflict(`idempotency key ${r.idempotencyKey} was used for another deposit`, { depositId: id });
        return false;
      }
      const { rows: account } = await c.query<{ currency: string }>(
        `select trim(currency) as currency from billing_account where id = $1`,
        [r.accountId],
      );
      if (account.length === 0) throw refused('accountId', `no account ${r.accountId}`);
      if (account[0].currency !== r.currency) throw refused('currency', `account ${r.accountId} is billed in ${account[0].currency}`);
      const { rowCount } = await c.query(
        `insert into deposit (id, idempotency_key, request_fingerprint, account_id, currency, amount_minor, method, value_date, reason, status,
           created_by, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'HELD', $10, $11, $11) on conflict do nothing`,
        [
          id,
          r.idempotencyKey,
          fingerprint,
          r.accountId,
          r.currency,
          r.amountMinor.toString(),
          r.method,
          r.valueDate,
          r.reason,
          r.actor,
          now,
        ],
      );
      if (rowCount === 0)
        throw CollectionsError.conflict(`idempotency key ${r.idempotencyKey}: a concurrent request is creating this deposit`);
      await postLedgerTransaction(c, {
        key: `deposit-received|${id}`,
        kind: DEPOSIT_RECEIVED_KIND,
        sourceId: id,
        currency: r.currency,
        postedOn: r.valueDate,
        now,
        legs: [
          { account: LEDGER_ACCOUNT.BANK, party: null, amountMinor: r.amountMinor },
          { account: LEDGER_ACCOUNT.DEPOSITS_HELD, party: r.accountId, amountMinor: -r.amountMinor },
        ],
      });
      await audit(
        c,
        r.actor,
        'deposit.receive',
        id,
        { amountMinor: r.amountMinor.toString(), currency: r.currency, method: r.method },
        now,
      );
      return true;
    });
    return { deposit: await this.get(id), created };
  }

  /** An operator applies a HELD deposit to the account's open documents now. */
  async apply(id: string, actor: string, nowMs: number): Promise<DepositView> {
    await withTransaction(this.pool, async (c) => {
      const { rows } = await c.query<{ status: string }>(`select status from deposit where id = $1 for update`, [id]);
      if (rows.length === 0) throw CollectionsError.notFound(`deposit ${id}`);
      if (rows[0].status !== 'HELD')
        throw CollectionsError.conflict(`deposit ${id} is ${rows[0].status}, not HELD`, { status: rows[0].status });
      await this.applyLocked(c, id, actor, nowMs);
    });
    return this.get(id);
  }

  /** Every HELD deposit of the account applied, in the caller's transaction (dunning's TERMINATION step); their ids. */
  async applyHeld(c: PoolClient, accountId: string, actor: string, nowMs: number): Promise<string[]> {
    const { rows } = await c.query<{ id: string }>(
      `select id from deposit where account_id = $1 and status = 'HELD' order by created_at, id for update`,
      [accountId],
    );
    for (const r of rows) await this.applyLocked(c, r.id, actor, nowMs);
    return rows.map((r) => r.id);
  }

  private async applyLocked(c: PoolClient, id: string, actor: string, nowMs: number): Promise<void> {
    const { rows } = await c.query<DepositRow>(`select ${COLUMNS} from deposit where id = $1`, [id]);
    const d = rows[0];
    const today = new Date(nowMs).toISOString().slice(0, 10);
    const payment: ReceivedPayment = {
      kind: 'payment',
      channel: 'DEPOSIT',
      source: DEPOSIT_SOURCE,
      bankReference: id,
      currency: d.currency,
      amountMinor: BigInt(d.amount_minor),
      valueDate: today,
      bookingDate: today,
      endToEndId: null,
      creditorReferences: [],
      remittanceInfo: d.account_id,
      debtorName: null,
    };
    const outcome = await this.applier.applyIn(c, payment, { importId: null, nowMs });
    if (!outcome.created || outcome.accountId !== d.account_id)
      throw new Error(`deposit ${id}: its payment was not applied to ${d.account_id}`);
    await c.query(`update deposit set status = 'APPLIED', payment_id = $2, updated_at = $3 where id = $1`, [
      id,
      outcome.paymentId,
      new Date(nowMs),
    ]);
    await audit(c, actor, 'deposit.apply', id, { paymentId: outcome.paymentId, status: outcome.status }, new Date(nowMs));
  }

  async get(id: string): Promise<DepositView> {
    const { rows } = await this.pool.query<DepositRow>(`select ${COLUMNS} from deposit where id = $1`, [id]);
    if (rows.length === 0) throw CollectionsError.notFound(`deposit ${id}`);
    return view(rows[0]);
  }

  async list(q: {
    accountId?: string;
    status?: DepositStatus;
    limit: number;
    offset: number;
  }): Promise<{ items: DepositView[]; total: number }> {
    const where = `($1::text is null or account_id = $1) and ($2::text is null or status = $2)`;
    const args = [q.accountId ?? null, q.status ?? null];
    const [items, total] = await Promise.all([
      this.pool.query<DepositRow>(`select ${COLUMNS} from deposit where ${where} order by created_at desc, id limit $3 offset $4`, [
        ...args,
        q.limit,
        q.offset,
      ]),
      this.pool.query<{ n: number }>(`select count(*)::int as n from deposit where ${where}`, args),
    ]);
    return { items: items.rows.map(view), total: total.rows[0].n };
  }
}

/** Dunning's TERMINATION hook: the account's held deposits applied in the step's transaction (actor `dunning`). */
export function depositsAtTermination(pool: Pool): (c: PoolClient, accountId: string, nowMs: number) => Promise<string[]> {
  const deposits = new Deposits(pool, new PaymentApplier(pool));
  return (c, accountId, nowMs) => deposits.applyHeld(c, accountId, 'dunning', nowMs);
}
