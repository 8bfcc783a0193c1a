/**
 * Allocation by hand: an operator gives a payment that matching left in the suspense queue (nobody
 * identified) to an account, or spends a payment's account credit (UNAPPLIED), on open documents of
 * that account, in ONE transaction:
 *
 *   lock the payment; it must be SUSPENSE or UNAPPLIED, of the account given (a suspense payment gets it);
 *   lock the documents (issue date, id: the order every writer uses) and read their open amounts;
 *   refuse (422, nothing changed) what matching would never do: another account's or currency's
 *     document, a credit note, more than a document still owes, more than the payment has unapplied,
 *     a document this payment already paid part of (allocations are append-only, one per payment and document);
 *   write the allocations, move the documents' paid amount and status (ISSUED -> PARTIALLY_PAID -> PAID),
 *   post PAYMENT_ALLOCATED (below), set the payment's account, unapplied part and status; audit who.
 *
 * Ledger (signed, debit > 0): from suspense, SUSPENSE +unapplied, AR(account) -allocated,
 * UNAPPLIED_CASH(account) -(unapplied - allocated): the payment becomes the account's, what the
 * documents did not take is its credit. From account credit, UNAPPLIED_CASH(account) +allocated,
 * AR(account) -allocated. A later reversal of the payment (reverse-payment.ts) undoes it from the
 * payment's state, as for any other allocation.
 *
 * Idempotent by the caller's key: the ledger transaction's key is `payment-allocated|<payment>|<key>`.
 * The same key again answers what was done; the same key with another request is a CONFLICT.
 */
import type { Pool } from 'pg';
import { withTransaction } from '@app/db';
import { writeCollectionsEvents } from '../events/collections-outbox';
import { CollectionsError, CollectionsErrorCode } from '../payments/collections-error';
import { isId, POSITIVE_MINOR_PATTERN, readIdempotencyKey } from '../payments/query-params';
import type { AfterPayment } from './apply-payment';
import { addPaid } from './document-paid';
import { LEDGER_ACCOUNT, type LedgerLeg, postLedgerTransaction } from './ledger-accounts';
import { BY_HAND_RULE } from './match-rules';

export const PAYMENT_ALLOCATED_KIND = 'PAYMENT_ALLOCATED';
/** Documents one hand allocation may pay. */
export const HAND_ALLOCATIONS_MAX = 100;
/** Longest note. */
export const ALLOCATION_NOTE_MAX_LENGTH = 500;

export interface HandAllocationRequest {
  paymentId: string;
  idempotencyKey: string;
  /** The account the payment belongs to (required for a suspense payment; must be the payment's otherwise). */
  accountId: string;
  allocations: { documentId: string; amountMinor: bigint }[];
  note: string | null;
  actor: string;
}

export interface HandAllocationResult {
  paymentId: string;
  accountId: string;
  status: 'ALLOCATED' | 'UNAPPLIED';
  unappliedMinor: bigint;
  allocations: { documentId: string; amountMinor: bigint }[];
  /** false: the same key was seen before; this is what it did. */
  created: boolean;
}

/** The request from a REST body; throws INVALID_ARGUMENT naming the field. Pure. */
export function parseHandAllocation(
  paymentId: string,
  idempotencyKey: string | undefined,
  body: Record<string, unknown>,
  actor: string,
): HandAllocationRequest {
  const key = readIdempotencyKey(idempotencyKey);
  if (!isId(body.accountId)) throw CollectionsError.invalid('accountId', 'an account id');
  if (body.note !== undefined && (typeof body.note !== 'string' || body.note.length > ALLOCATION_NOTE_MAX_LENGTH))
    throw CollectionsError.invalid('note', `text of at most ${ALLOCATION_NOTE_MAX_LENGTH} characters`);
  const list = body.allocations ?? [];
  if (!Array.isArray(list) || list.length > HAND_ALLOCATIONS_MAX)
    throw CollectionsError.invalid('allocations', `a list of at most ${HAND_ALLOCATIONS_MAX} { documentId, amountMinor }`);
  const seen = new Set<string>();
  const allocations = list.map((a: unknown, i) => {
    const f = `allocations[${i}]`;
    if (typeof a !== 'object' || a === null || Array.isArray(a)) throw CollectionsError.invalid(f, 'an object { documentId, amountMinor }');
    const x = a as Record<string, unknown>;
    const extra = Object.keys(x).find((k) => k !== 'documentId' && k !== 'amountMinor');
    if (extra !== undefined) throw CollectionsError.invalid(`${f}.${extra}`, 'unknown field');
    if (!isId(x.documentId)) throw CollectionsError.invalid(`${f}.documentId`, 'a document id');
    if (seen.has(x.documentId)) throw CollectionsError.invalid(`${f}.documentId`, `${x.documentId} is listed twice`);
    seen.add(x.documentId);
    if (typeof x.amountMinor !== 'string' || !POSITIVE_MINOR_PATTERN.test(x.amountMinor))
      throw CollectionsError.invalid(`${f}.amountMinor`, 'a positive whole number of minor units, as a string');
    return { documentId: x.documentId, amountMinor: BigInt(x.amountMinor) };
  });
  return {
    paymentId,
    idempotencyKey: key,
    accountId: body.accountId,
    allocations,
    note: (body.note as string | undefined) ?? null,
    actor,
  };
}

/** The legs of a hand allocation; they sum to zero. Pure. */
export function paymentAllocatedLegs(p: {
  fromSuspense: boolean;
  accountId: string;
  unappliedMinor: bigint;
  allocatedMinor: bigint;
}): LedgerLeg[] {
  if (p.allocatedMinor < 0n || p.allocatedMinor > p.unappliedMinor) throw new Error('hand allocation legs: allocated outside 0..unapplied');
  const legs: LedgerLeg[] = p.fromSuspense
    ? [
        { account: LEDGER_ACCOUNT.SUSPENSE, party: null, amountMinor: p.unappliedMinor },
        { account: LEDGER_ACCOUNT.AR, party: p.accountId, amountMinor: -p.allocatedMinor },
        { account: LEDGER_ACCOUNT.UNAPPLIED_CASH, party: p.accountId, amountMinor: -(p.unappliedMinor - p.allocatedMinor) },
      ]
    : [
        { account: LEDGER_ACCOUNT.UNAPPLIED_CASH, party: p.accountId, amountMinor: p.allocatedMinor },
        { account: LEDGER_ACCOUNT.AR, party: p.accountId, amountMinor: -p.allocatedMinor },
      ];
  const kept = legs.filter((l) => l.amountMinor !== 0n);
  if (kept.reduce((s, l) => s + l.amountMinor, 0n) !== 0n) throw new Error('hand allocation legs do not sum to zero');
  return kept;
}

const refused = (parameter: string, message: string) =>
  new CollectionsError(CollectionsErrorCode.ALLOCATION_REFUSED, `${parameter}: ${message}`, { parameter });

export class HandAllocation {
  constructor(
    private readonly pool: Pool,
    private readonly afterPayment?: AfterPayment,
  ) {}

  async execute(r: HandAllocationRequest, nowMs: number): Promise<HandAllocationResult> {
    const result = await withTransaction(this.pool, async (c) => {
      const now = new Date(nowMs);
      const key = `payment-allocated|${r.paymentId}|${r.idempotencyKey}`;
      const { rows: payments } = await c.query<{
        account_id: string | null;
        currency: string;
        unapplied_minor: string;
        status: string;
      }>(`select account_id, trim(currency) as currency, unapplied_minor::text, status from payment where id = $1 for update`, [
        r.paymentId,
      ]);
      if (payments.length === 0) throw CollectionsError.notFound(`payment ${r.paymentId}`);
      const p = payments[0];
      const done = await c.query<{ document_id: string; amount_minor: string }>(
        `select a.document_id, a.amount_minor::text from ledger_transaction t left join payment_allocation a on a.ledger_transaction_id = t.id
         where t.idempotency_key = $1 order by a.document_id`,
        [key],
      );
      if (done.rows.length > 0) return this.replay(r, p, done.rows);
      if (p.status !== 'SUSPENSE' && p.status !== 'UNAPPLIED')
        throw refused('paymentId', `payment ${r.paymentId} is ${p.status}: only SUSPENSE or UNAPPLIED money is allocated by hand`);
      const fromSuspense = p.status === 'SUSPENSE';
      if (!fromSuspense && p.account_id !== r.accountId)
        throw refused('accountId', `payment ${r.paymentId} belongs to account ${p.account_id}, not ${r.accountId}`);
      if (!fromSuspense && r.allocations.length === 0) throw CollectionsError.invalid('allocations', 'name the documents to pay');
      const account = await c.query(`select 1 from billing_account where id = $1`, [r.accountId]);
      if (account.rowCount === 0) throw refused('accountId', `account ${r.accountId} does not exist`);
      const unapplied = BigInt(p.unapplied_minor);
      const allocated = r.allocations.reduce((s, a) => s + a.amountMinor, 0n);
      if (allocated > unapplied)
        throw refused('allocations', `they sum to ${allocated}, more than the ${unapplied} the payment has unapplied`);
      const ids = r.allocations.map((a) => a.documentId);
      const { rows: docs } = await c.query<{
        id: string;
        account_id: string;
        currency: string;
        type: string;
        status: string;
        open_minor: string;
        allocated_before: boolean;
      }>(
        `select d.id, d.account_id, trim(d.currency) as currency, d.type, d.status, (d.gross_minor - d.paid_minor)::text as open_minor,
           exists (select 1 from payment_allocation a where a.payment_id = $2 and a.document_id = d.id) as allocated_before
         from billing_document d where d.id = any($1::text[]) order by d.issue_date, d.id for update of d`,
        [ids, r.paymentId],
      );
      const byId = new Map(docs.map((d) => [d.id, d]));
      r.allocations.forEach((a, i) => {
        const f = `allocations[${i}]`;
        const d = byId.get(a.documentId);
        if (d === undefined) throw refused(`${f}.documentId`, `document ${a.documentId} does not exist`);
        if (d.account_id !== r.accountId) throw refused(`${f}.documentId`, `document ${d.id} is account ${d.account_id}'s`);
        if (d.currency !== p.currency)
          throw refused(`${f}.documentId`, `document ${d.id} is in ${d.currency}, the payment in ${p.currency}`);
        if (d.type === 'CREDIT_NOTE') throw refused(`${f}.documentId`, `document ${d.id} is a credit note: it is never paid`);
        if (d.status !== 'ISSUED' && d.status !== 'PARTIALLY_PAID') throw refused(`${f}.documentId`, `document ${d.id} is ${d.status}`);
        if (d.allocated_before) throw refused(`${f}.documentId`, `payment ${r.paymentId} already paid part of document ${d.id}`);
        if (a.amountMinor > BigInt(d.open_minor))
          throw refused(`${f}.amountMinor`, `document ${d.id} owes ${d.open_minor}, less than ${a.amountMinor}`);
      });
      const legs = paymentAllocatedLegs({ fromSuspense, accountId: r.accountId, unappliedMinor: unapplied, allocatedMinor: allocated });
      const txId = await postLedgerTransaction(c, {
        key,
        kind: PAYMENT_ALLOCATED_KIND,
        sourceId: r.paymentId,
        currency: p.currency,
        postedOn: now.toISOString().slice(0, 10),
        now,
        legs,
      });
      if (r.allocations.length > 0) {
        const amounts = r.allocations.map((a) => a.amountMinor.toString());
        await c.query(
          `insert into payment_allocation (payment_id, document_id, amount_minor, ledger_transaction_id, created_at)
           select $1, d, m, $2, $3 from unnest($4::text[], $5::bigint[]) as t(d, m)`,
          [r.paymentId, txId, now, ids, amounts],
        );
        await addPaid(c, new Map(r.allocations.map((a) => [a.documentId, a.amountMinor])), now, `payment ${r.paymentId}: hand allocation`);
      }
      const left = unapplied - allocated;
      const status = left === 0n ? 'ALLOCATED' : 'UNAPPLIED';
      await c.query(
        `update payment set account_id = $2, unapplied_minor = $3, status = $4, match_rule = coalesce(match_rule, $6), updated_at = $5 where id = $1`,
        [r.paymentId, r.accountId, left.toString(), status, now, BY_HAND_RULE],
      );
      await writeCollectionsEvents(
        c,
        [
          {
            input: {
              type: 'PAYMENT_ALLOCATED',
              accountId: r.accountId,
              paymentId: r.paymentId,
              ledgerTransactionId: txId,
              currency: p.currency,
              allocations: r.allocations.map((a) => ({ documentId: a.documentId, amountMinor: a.amountMinor.toString() })),
              unappliedMinor: left.toString(),
            },
            source: txId,
          },
        ],
        now,
      );
      await c.query(
        `insert into audit_log (actor, action, entity_type, entity_id, details, created_at) values ($1, 'payment.allocate_by_hand', 'payment', $2, $3, $4)`,
        [
          r.actor,
          r.paymentId,
          JSON.stringify({
            idempotencyKey: r.idempotencyKey,
            fromStatus: p.status,
            accountId: r.accountId,
            allocations: r.allocations.map((a) => ({ documentId: a.documentId, amountMinor: a.amountMinor.toString() })),
            note: r.note,
          }),
          now,
        ],
      );
      return {
        paymentId: r.paymentId,
        accountId: r.accountId,
        status,
        unappliedMinor: left,
        allocations: r.allocations,
        created: true,
      } satisfies HandAllocationResult;
    });
    if (result.created && this.afterPayment !== undefined) await this.afterPayment(result.accountId).catch(() => undefined);
    return result;
  }

  /** The same key again: what it did, if the request is the same; a CONFLICT otherwise. */
  private replay(
    r: HandAllocationRequest,
    p: { account_id: string | null; unapplied_minor: string; status: string },
    rows: { document_id: string | null; amount_minor: string | null }[],
  ): HandAllocationResult {
    const stored = rows
      .filter((x) => x.document_id !== null)
      .map((x) => `${x.document_id}=${x.amount_minor}`)
      .sort();
    const asked = r.allocations.map((a) => `${a.documentId}=${a.amountMinor}`).sort();
    if (p.account_id !== r.accountId || stored.join(',') !== asked.join(','))
      throw CollectionsError.conflict(`idempotency key ${r.idempotencyKey} was used for another allocation of payment ${r.paymentId}`);
    return {
      paymentId: r.paymentId,
      accountId: r.accountId,
      status: p.status === 'ALLOCATED' ? 'ALLOCATED' : 'UNAPPLIED',
      unappliedMinor: BigInt(p.unapplied_minor),
      allocations: r.allocations,
      created: false,
    };
  }
}
