/**
 * Records one payment received and applies it, in ONE transaction, so money moves once:
 *
 *   insert the payment under its idempotency key (channel, source, bank reference); if it exists,
 *     stop: a re-import changes nothing (a concurrent import of the same entry waits on the unique
 *     index, then finds it);
 *   find its documents, rule by rule (below), locking them (FOR UPDATE, oldest first: one order for
 *     every payment, so two payments never deadlock) and reading their open amount under the lock;
 *   spread the amount (allocate.ts), write the allocations, move the documents' paid amount and
 *     status (ISSUED -> PARTIALLY_PAID -> PAID), post the ledger (ledger-accounts.ts), set the
 *     payment's status: ALLOCATED, UNAPPLIED (account credit) or SUSPENSE (nobody identified).
 *
 * Rules: 1. an RF creditor reference of a document (structured, in the text or the end-to-end id);
 * 2. a document number in the remittance text or the end-to-end id; 3. an account id in the text:
 * its open document of exactly the amount, else its open documents oldest first. Documents of
 * another currency are not paid; references to documents of two accounts are not guessed between
 * (suspense). Credit notes are never paid.
 */
import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { withTransaction } from '@app/db';
import type { ReceivedPayment } from '../payments/statements/statement-types';
import { writeCollectionsEvents } from '../events/collections-outbox';
import { allocatePayment, type OpenDocument } from './allocate';
import { LEDGER_ACCOUNT, paymentReceivedLegs, PAYMENT_RECEIVED_KIND, postLedgerTransaction } from './ledger-accounts';
import type { MatchRule, PaymentStatus } from './match-rules';
import { creditorReferencesIn, remittanceTokens } from './remittance';

export type ApplyOutcome =
  { created: false } | { created: true; paymentId: string; accountId: string | null; status: PaymentStatus; rule: MatchRule | null };

interface Match {
  accountId: string | null;
  rule: MatchRule | null;
  targets: OpenDocument[];
  preferExactAmount: boolean;
}

interface DocumentRow {
  id: string;
  account_id: string;
  currency: string;
  open_minor: string;
  payable: boolean;
}

const NO_MATCH: Match = { accountId: null, rule: null, targets: [], preferExactAmount: false };
/** Payable: issued, not fully paid, not a credit note. */
const PAYABLE = `(status in ('ISSUED', 'PARTIALLY_PAID') and type <> 'CREDIT_NOTE' and gross_minor > paid_minor)`;

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

/** The payment's id, derived from its idempotency key. */
export function paymentIdOf(p: Pick<ReceivedPayment, 'channel' | 'source' | 'bankReference'>): string {
  return `pay-${sha1(`${p.channel}|${p.source}|${p.bankReference}`).slice(0, 40)}`;
}

export interface ApplyOptions {
  importId: string | null;
  nowMs: number;
  inTransaction?: (c: PoolClient, paymentId: string) => Promise<void>;
}

/** Called after a new payment of an identified account has committed (dunning re-evaluates the account); its failure never fails the payment. */
export type AfterPayment = (accountId: string) => Promise<void>;

export class PaymentApplier {
  constructor(
    private readonly pool: Pool,
    private readonly afterPayment?: AfterPayment,
  ) {}

  /** `o.inTransaction` runs in the payment's transaction once it is created (an audit row of who entered it). */
  async apply(p: ReceivedPayment, o: ApplyOptions): Promise<ApplyOutcome> {
    const outcome = await this.applyOnce(p, o);
    if (outcome.created && outcome.accountId !== null && this.afterPayment !== undefined)
      await this.afterPayment(outcome.accountId).catch(() => undefined);
    return outcome;
  }

  private async applyOnce(p: ReceivedPayment, o: ApplyOptions): Promise<ApplyOutcome> {
    return withTransaction(this.pool, (c) => this.applyIn(c, p, o));
  }

  /** The payment applied in the caller's transaction (a deposit applied at a dunning step); no after-payment hook. */
  async applyIn(c: PoolClient, p: ReceivedPayment, o: ApplyOptions): Promise<ApplyOutcome> {
    const id = paymentIdOf(p);
    const now = new Date(o.nowMs);
    // No conflict target: the id is derived from the key, so a concurrent insert of the same payment may
    // meet the primary key before the key's index, and either conflict must mean "already there".
    const inserted = await c.query(
      `insert into payment (id, channel, source, bank_reference, currency, amount_minor, unapplied_minor, value_date, booking_date,
         end_to_end_id, remittance_info, debtor_name, status, import_id, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10, $11, 'SUSPENSE', $12, $13, $13)
       on conflict do nothing returning id`,
      [
        id,
        p.channel,
        p.source,
        p.bankReference,
        p.currency,
        p.amountMinor.toString(),
        p.valueDate,
        p.bookingDate,
        p.endToEndId,
        p.remittanceInfo,
        p.debtorName,
        o.importId,
        now,
      ],
    );
    if (inserted.rowCount === 0) return { created: false };
    const match = await findDocuments(c, p);
    const plan = allocatePayment({ amountMinor: p.amountMinor, targets: match.targets, preferExactAmount: match.preferExactAmount });
    const rule = match.rule === 'ACCOUNT_OLDEST_FIRST' && plan.exactAmount ? 'ACCOUNT_EXACT_AMOUNT' : match.rule;
    const allocated = plan.allocations.reduce((s, a) => s + a.amountMinor, 0n);
    const txId = await postReceipt(c, { id, p, accountId: match.accountId, allocated, now });
    await writeAllocations(c, { id, txId, allocations: plan.allocations, now });
    const status: PaymentStatus = match.accountId === null ? 'SUSPENSE' : plan.unappliedMinor === 0n ? 'ALLOCATED' : 'UNAPPLIED';
    await c.query(`update payment set account_id = $2, unapplied_minor = $3, status = $4, match_rule = $5, updated_at = $6 where id = $1`, [
      id,
      match.accountId,
      plan.unappliedMinor.toString(),
      status,
      match.accountId === null ? null : rule,
      now,
    ]);
    const matchRule = match.accountId === null ? null : rule;
    const common = { accountId: match.accountId, paymentId: id, currency: p.currency, unappliedMinor: plan.unappliedMinor.toString() };
    await writeCollectionsEvents(
      c,
      [
        {
          input: {
            type: 'PAYMENT_RECEIVED',
            ...common,
            channel: p.channel,
            amountMinor: p.amountMinor.toString(),
            valueDate: p.valueDate,
            status,
            matchRule,
          },
          source: id,
        },
        ...(plan.allocations.length === 0
          ? []
          : [
              {
                input: {
                  type: 'PAYMENT_ALLOCATED' as const,
                  ...common,
                  ledgerTransactionId: txId,
                  allocations: plan.allocations.map((a) => ({ documentId: a.documentId, amountMinor: a.amountMinor.toString() })),
                },
                source: txId,
              },
            ]),
      ],
      now,
    );
    await o.inTransaction?.(c, id);
    return { created: true, paymentId: id, accountId: match.accountId, status, rule: matchRule };
  }
}

/** The rules of the file header, in order; the documents come locked, oldest first. */
async function findDocuments(c: PoolClient, p: ReceivedPayment): Promise<Match> {
  const texts = [p.remittanceInfo, ...(p.endToEndId === null ? [] : [p.endToEndId])];
  const refs = creditorReferencesIn([...p.creditorReferences, ...texts]);
  if (refs.length > 0) {
    const m = await referencedDocuments(c, p.currency, 'payment_reference', refs, 'RF_REFERENCE');
    if (m !== undefined) return m;
  }
  const tokens = remittanceTokens(texts);
  if (tokens.length === 0) return NO_MATCH;
  const byNumber = await referencedDocuments(c, p.currency, 'number_text', tokens, 'DOCUMENT_NUMBER');
  if (byNumber !== undefined) return byNumber;
  const { rows: accounts } = await c.query<{ id: string }>(`select id from billing_account where id = any($1::text[])`, [tokens]);
  if (accounts.length !== 1) return NO_MATCH;
  const { rows } = await c.query<DocumentRow>(
    `select id, account_id, currency, (gross_minor - paid_minor)::text as open_minor, true as payable from billing_document
     where account_id = $1 and currency = $2 and ${PAYABLE} order by issue_date, id for update`,
    [accounts[0].id, p.currency],
  );
  return { accountId: accounts[0].id, rule: 'ACCOUNT_OLDEST_FIRST', targets: openOf(rows), preferExactAmount: true };
}

/** Documents named by `column` in `values`: of one account, else no match (never guessed). */
async function referencedDocuments(
  c: PoolClient,
  currency: string,
  column: 'payment_reference' | 'number_text',
  values: string[],
  rule: MatchRule,
): Promise<Match | undefined> {
  const { rows } = await c.query<DocumentRow>(
    `select id, account_id, currency, (gross_minor - paid_minor)::text as open_minor, ${PAYABLE} as payable from billing_document
     where ${column} = any($1::text[]) and type <> 'CREDIT_NOTE' order by issue_date, id for update`,
    [values],
  );
  if (rows.length === 0) return undefined;
  const accounts = new Set(rows.map((r) => r.account_id));
  if (accounts.size !== 1) return NO_MATCH;
  const targets = openOf(rows.filter((r) => r.payable && r.currency === currency));
  return { accountId: rows[0].account_id, rule, targets, preferExactAmount: false };
}

function openOf(rows: readonly DocumentRow[]): OpenDocument[] {
  return rows.map((r) => ({ id: r.id, openMinor: BigInt(r.open_minor) }));
}

/** A deposit applied is the deposit's account's money: matching must have found that account. */
function depositAccount(x: { id: string; accountId: string | null }): string {
  if (x.accountId === null) throw new Error(`payment ${x.id}: a deposit applied must name its account`);
  return x.accountId;
}

async function postReceipt(
  c: PoolClient,
  x: { id: string; p: ReceivedPayment; accountId: string | null; allocated: bigint; now: Date },
): Promise<string> {
  return postLedgerTransaction(c, {
    key: `payment-received|${x.id}`,
    kind: PAYMENT_RECEIVED_KIND,
    sourceId: x.id,
    currency: x.p.currency,
    postedOn: x.p.bookingDate ?? x.p.valueDate,
    now: x.now,
    legs: paymentReceivedLegs({
      amountMinor: x.p.amountMinor,
      allocatedMinor: x.allocated,
      accountId: x.accountId,
      ...(x.p.channel === 'DEPOSIT' ? { cash: { account: LEDGER_ACCOUNT.DEPOSITS_HELD, party: depositAccount(x) } } : {}),
    }),
  });
}

async function writeAllocations(
  c: PoolClient,
  x: { id: string; txId: string; allocations: readonly { documentId: string; amountMinor: bigint }[]; now: Date },
): Promise<void> {
  if (x.allocations.length === 0) return;
  const ids = x.allocations.map((a) => a.documentId);
  const amounts = x.allocations.map((a) => a.amountMinor.toString());
  await c.query(
    `insert into payment_allocation (payment_id, document_id, amount_minor, ledger_transaction_id, created_at)
     select $1, d, m, $2, $3 from unnest($4::text[], $5::bigint[]) as t(d, m)`,
    [x.id, x.txId, x.now, ids, amounts],
  );
  const { rows } = await c.query<{ id: string; within: boolean }>(
    `update billing_document d set paid_minor = d.paid_minor + a.m,
       status = case when d.paid_minor + a.m = d.gross_minor then 'PAID' else 'PARTIALLY_PAID' end, updated_at = $3
     from unnest($1::text[], $2::bigint[]) as a(id, m) where d.id = a.id
     returning d.id, d.paid_minor <= d.gross_minor as within`,
    [ids, amounts, x.now],
  );
  // The documents were locked and their open amounts read under the lock: anything else is a bug.
  if (rows.length !== ids.length || rows.some((r) => !r.within))
    throw new Error(`payment ${x.id}: allocations exceed the documents' open amounts`);
}
