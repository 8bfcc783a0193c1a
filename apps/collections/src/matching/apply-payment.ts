/**
 * Records one payment received and applies it, in ONE transaction, so money moves once:
 *
 *   look the payment up by its id, derived from its idempotency key (channel, source, bank
 *     reference); if it exists, stop: a re-import changes nothing;
 *   find its documents, rule by rule (below), locking them (FOR UPDATE, oldest first: one order for
 *     every payment, so two payments never deadlock) and reading their open amount under the lock;
 *   spread the amount (allocate.ts); insert the payment as it ends (ALLOCATED, UNAPPLIED: account
 *     credit, or SUSPENSE: nobody identified), write the allocations, move the documents' paid amount
 *     and status (ISSUED -> PARTIALLY_PAID -> PAID), post the ledger (ledger-accounts.ts).
 *
 * The payment is inserted once, as it ends, not inserted then updated (an update doubled the row's
 * writes and its deferred sum check). A concurrent apply of the same entry that committed between the
 * look-up and the insert makes the insert meet the key (it waits for that transaction on the unique
 * index first): the batch then rolls back and is applied again, and its look-up finds the payment.
 *
 * Rules: 1. an RF creditor reference of a document (structured, in the text or the end-to-end id);
 * 2. a document number in the remittance text or the end-to-end id; 3. an account id in the text:
 * its open document of exactly the amount, else its open documents oldest first. Documents of
 * another currency are not paid; references to documents of two accounts are not guessed between
 * (suspense). Credit notes are never paid.
 */
import { createHash } from 'node:crypto';
import type { Pool, PoolClient, QueryConfig } from 'pg';
import { derivedId } from '@app/events';
import { beginTransaction, INDEX_LOOKUPS_ONLY, pgArray, preparedOnce, statementsAsOne } from '@app/db';
import type { ReceivedPayment } from '../payments/statements/statement-types';
import { paymentsReceivedEventsStatement } from '../events/collections-outbox';
import { allocatePayment, type OpenDocument } from './allocate';
import { addPaidStatement, checkAddedPaid, payableDocument } from './document-paid';
import { LEDGER_ACCOUNT, ledgerTransactionsStatements, paymentReceivedLegs, paymentsReceivedTransactions } from './ledger-accounts';
import type { MatchRule, PaymentStatus } from './match-rules';
import { creditorReferencesIn, remittanceTokens } from './remittance';

export type ApplyOutcome =
  /** Not created: the payment existed (its id, which an older id form may make differ from paymentIdOf's) or came twice. */
  | { created: false; paymentId: string }
  | { created: true; paymentId: string; accountId: string | null; status: PaymentStatus; rule: MatchRule | null };

interface Match {
  accountId: string | null;
  rule: MatchRule | null;
  targets: OpenDocument[];
  preferExactAmount: boolean;
}

const NO_MATCH: Match = { accountId: null, rule: null, targets: [], preferExactAmount: false };
/** Payable: issued, not fully paid, not a credit note. */
const PAYABLE = payableDocument('billing_document');

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

/** Hex digits of SHA-1(channel|source) that open a payment id of the plain form. */
const PAYMENT_SOURCE_HASH_DIGITS = 12;
/** A bank reference that stands in the payment id as it is (id characters). */
const PLAIN_BANK_REFERENCE = /^[A-Za-z0-9_.-]+$/;

/**
 * The payment's id, derived from its idempotency key (channel, source, bank reference): the same key is
 * always the same id. `pay-<12 hex digits of SHA-1(channel|source)>-<bank reference>` when the reference
 * is of id characters and fits (camt.053's AcctSvcrRef has at most 35, MT940's at most 16), else `pay-`
 * and 40 hex digits of SHA-1 of the whole key (character 17 tells the forms apart: `-` or a hex digit).
 * In the plain form one statement's payments follow their bank references in the payment table's indexes,
 * and in the ledger's and outbox's ids derived from them: a bank numbers its entries, so an import's
 * inserts append instead of landing on random pages (issue 10, matching 1M entries). Two sources whose
 * 48-bit prefixes meet are caught, not merged: the look-up checks the key of the payment it finds
 * (PaymentApplier). Pure.
 */
export function paymentIdOf(p: PaymentKey): string {
  const plain = PLAIN_BANK_REFERENCE.test(p.bankReference) ? `${sourcePrefixOf(p.channel, p.source)}${p.bankReference}` : undefined;
  return derivedId('pay-', plain, paymentKeyText(p));
}

/** The last source's prefix (a statement's payments share their channel and source: one SHA-1 per file, not per payment). */
let lastSource: { channel: string; source: string; prefix: string } | undefined;

/** `pay-<12 hex digits of SHA-1(channel|source)>-`. */
function sourcePrefixOf(channel: string, source: string): string {
  if (lastSource?.channel !== channel || lastSource.source !== source)
    lastSource = { channel, source, prefix: `pay-${sha1(`${channel}|${source}`).slice(0, PAYMENT_SOURCE_HASH_DIGITS)}-` };
  return lastSource.prefix;
}

/** A payment's idempotency key as one string (the hashed form of its id, and ApplyPipeline's set of a batch's keys): the same key always gives the same string. Pure. */
export function paymentKeyText(p: PaymentKey): string {
  return `${p.channel}|${p.source}|${p.bankReference}`;
}

/** A payment's idempotency key (ReceivedPayment's, or a stored payment's). */
interface PaymentKey {
  channel: string;
  source: string;
  bankReference: string;
}
const sameKey = (a: PaymentKey, b: PaymentKey) => a.channel === b.channel && a.source === b.source && a.bankReference === b.bankReference;

export interface ApplyOptions {
  importId: string | null;
  nowMs: number;
  inTransaction?: (c: PoolClient, paymentId: string) => Promise<void>;
}

/** Called after a new payment of an identified account has committed (dunning re-evaluates the account); its failure never fails the payment. */
export type AfterPayment = (accountId: string) => Promise<void>;

/**
 * Called once after a batch of new payments has committed, with their identified accounts (distinct): dunning
 * re-evaluates them together (Dunning.evaluateAccounts: one page, not a transaction per account). Its failure
 * never fails the payments.
 */
export type AfterPayments = (accountIds: readonly string[]) => Promise<void>;

/**
 * Payments applied per transaction at most (an import sends its entries in batches of this size). Each batch
 * costs PostgreSQL a fixed share (its look-ups' and locks' planning, the statement triggers over its rows, the
 * commit's sum check) and the pipeline a hand-over between two batches. At 1M entries, five pairs alternated with
 * 500 a batch: 53.3-64.3 s against 58.7-74.3 s, PostgreSQL's CPU lower in every pair (load-tests/RESULTS.md,
 * "Matching: 2,000 payments a batch"). A batch holds its documents' locks until it commits (a fifth of a second or
 * so at this size), and node holds two in flight (COLLECTIONS_V8_FLAGS sizes its young generation for them).
 */
export const APPLY_BATCH_MAX = 2_000;
/** Times a batch is applied again after a concurrent apply of one of its payments committed first (PaymentRaced). */
export const APPLY_RACE_RETRIES = 3;

/** A payment of the batch was inserted by a concurrent apply after this one looked it up; the transaction must roll back. */
export class PaymentRaced extends Error {
  /** `detail`: PostgreSQL's, naming the key met. */
  constructor(readonly detail: string) {
    super(`a payment of the batch was applied concurrently (${detail}); apply the batch again`);
  }
}

/** Two idempotency keys gave one payment id (paymentIdOf's 48-bit source prefix met); the payment is refused, never merged. */
export class PaymentIdCollision extends Error {
  constructor(readonly paymentId: string) {
    super(`payment id ${paymentId} is already the id of a payment of another channel or source`);
  }
}

/** The unique indexes a payment inserted concurrently meets (its id, its idempotency key). */
const PAYMENT_KEY_CONSTRAINTS: ReadonlySet<string> = new Set(['payment_pkey', 'payment_bank_reference']);

/** A document as matching sees it: its state read under the row lock, then moved by the batch's earlier payments. */
interface DocumentState {
  id: string;
  accountId: string;
  currency: string;
  type: string;
  status: string;
  openMinor: bigint;
  paymentReference: string | null;
  numberText: string | null;
}

const payable = (d: DocumentState) =>
  (d.status === 'ISSUED' || d.status === 'PARTIALLY_PAID') && d.type !== 'CREDIT_NOTE' && d.openMinor > 0n;

/** What one payment of a batch looks for: its RF references and remittance tokens (remittance.ts). */
interface Wanted {
  refs: string[];
  tokens: string[];
}

function wantedOf(p: ReceivedPayment): Wanted {
  const texts = [p.remittanceInfo, ...(p.endToEndId === null ? [] : [p.endToEndId])];
  return { refs: creditorReferencesIn([...p.creditorReferences, ...texts]), tokens: remittanceTokens(texts) };
}

/** A batch matched and allocated under its locks, not yet written. */
interface Plan {
  ids: string[];
  /** The id each payment that exists already has (paymentIdOf's id -> the stored one: an older form differs). */
  existingIds: Map<string, string>;
  applied: Applied[];
  /** Undefined when no payment of the batch is new. */
  rows: BatchRows | undefined;
}

/** A batch prepared in its own open transaction (PaymentApplier.prepareMany). */
export interface PreparedBatch {
  /**
   * Writes the batch's rows, once, without committing. PaymentRaced, rolled back, when a concurrent apply
   * inserted one of its payments since the look-up; any failure rolls back.
   */
  write(): Promise<ApplyOutcome[]>;
  /** Commits what `write` wrote. */
  commit(): Promise<void>;
  /** Rolls the transaction back (written or not) and lets its locks go. */
  abandon(): Promise<void>;
}

interface Applied {
  id: string;
  p: ReceivedPayment;
  match: Match;
  plan: ReturnType<typeof allocatePayment>;
  rule: MatchRule | null;
  status: PaymentStatus;
}

export class PaymentApplier {
  constructor(
    private readonly pool: Pool,
    private readonly afterPaymentsHook?: AfterPayments,
  ) {}

  /** `o.inTransaction` runs in the payment's transaction once it is created (an audit row of who entered it). */
  async apply(p: ReceivedPayment, o: ApplyOptions): Promise<ApplyOutcome> {
    return (await this.applyMany([p], o))[0];
  }

  /**
   * Up to APPLY_BATCH_MAX payments in ONE transaction (a statement import's batch), each exactly as if
   * applied alone, in order: a later payment of the batch sees what the earlier ones paid. Outcomes in
   * the order given; a payment given twice is created once.
   */
  async applyMany(payments: readonly ReceivedPayment[], o: ApplyOptions): Promise<ApplyOutcome[]> {
    const outcomes = await this.commitPrepared(await this.prepareMany(payments, o), payments, o);
    await this.afterPayments(outcomes);
    return outcomes;
  }

  /**
   * The first half of applyMany: a transaction opened on a client of its own, the batch's payments looked
   * up, its documents locked and read under the locks, each payment matched and allocated, its rows
   * built. Nothing is written until `write`; `commit` commits it, `abandon` rolls back. Until then the
   * documents stay locked: a batch prepared while the one before it is written (ApplyPipeline) waits in
   * its lock for any document the two share, and reads it as that batch's commit left it.
   *
   * `again`: the batch is applied again after PaymentRaced. Its look-up then also probes the payments' ids: a
   * first attempt finds what exists by key only, so a payment whose id is already that of another key (a 48-bit
   * source prefix met, paymentIdOf) meets the primary key on insert, as a concurrent apply would; the attempt
   * after it finds that payment by id and refuses it (PaymentIdCollision).
   */
  async prepareMany(payments: readonly ReceivedPayment[], o: ApplyOptions, again = false): Promise<PreparedBatch> {
    if (payments.length > APPLY_BATCH_MAX) throw new RangeError(`applyMany: at most ${APPLY_BATCH_MAX} payments, not ${payments.length}`);
    if (payments.length === 0)
      return { write: () => Promise.resolve([]), commit: () => Promise.resolve(), abandon: () => Promise.resolve() };
    // Every statement of a batch reads or writes rows by key (payments, documents, accounts of the batch).
    const t = await beginTransaction(this.pool, { setLocal: INDEX_LOOKUPS_ONLY });
    let written = false;
    try {
      const plan = await this.planIn(t.client, payments, o, again);
      return {
        write: async () => {
          if (!t.open || written) throw new Error('prepareMany: this batch was already written, committed or abandoned');
          written = true;
          try {
            return await this.writeIn(t.client, plan, o);
          } catch (e) {
            await t.rollback().catch(() => undefined);
            throw e;
          }
        },
        commit: async () => {
          if (!t.open || !written) throw new Error('prepareMany: commit a batch once, after writing it');
          await t.commit();
        },
        abandon: () => t.rollback().catch(() => undefined),
      };
    } catch (e) {
      await t.rollback().catch(() => undefined);
      throw e;
    }
  }

  /**
   * Writes and commits a prepared batch. When a concurrent apply of one of its payments committed first
   * (PaymentRaced, rolled back), the batch is prepared, written and committed again, up to
   * APPLY_RACE_RETRIES times: its look-up then finds that payment.
   */
  async commitPrepared(prepared: PreparedBatch, payments: readonly ReceivedPayment[], o: ApplyOptions): Promise<ApplyOutcome[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        const outcomes = await prepared.write();
        await prepared.commit();
        return outcomes;
      } catch (e) {
        if (!(e instanceof PaymentRaced) || attempt >= APPLY_RACE_RETRIES) throw e;
      }
      prepared = await this.prepareMany(payments, o, true);
    }
  }

  /** The after-payment hook (dunning), once, for the identified accounts of newly created payments; a failure is ignored. */
  async afterPayments(outcomes: readonly ApplyOutcome[]): Promise<void> {
    const hook = this.afterPaymentsHook;
    if (hook === undefined) return;
    const accounts = [...new Set(outcomes.flatMap((x) => (x.created && x.accountId !== null ? [x.accountId] : [])))];
    if (accounts.length > 0) await hook(accounts).catch(() => undefined);
  }

  /**
   * The payment applied in the caller's transaction (a deposit applied at a dunning step); no after-payment
   * hook. A concurrent apply of the same payment fails the caller's transaction with PaymentRaced.
   */
  async applyIn(c: PoolClient, p: ReceivedPayment, o: ApplyOptions): Promise<ApplyOutcome> {
    return (await this.writeIn(c, await this.planIn(c, [p], o, true), o))[0];
  }

  /**
   * Looks the payments up (by key, and by id too when `probeIds`: see prepareMany), locks and reads their
   * documents, matches and allocates each in order, and builds the rows. Writes nothing.
   */
  private async planIn(c: PoolClient, payments: readonly ReceivedPayment[], o: ApplyOptions, probeIds: boolean): Promise<Plan> {
    const now = new Date(o.nowMs);
    const ids = payments.map(paymentIdOf);
    const firstIndex = new Map<string, number>();
    ids.forEach((id, i) => {
      const first = firstIndex.get(id);
      if (first === undefined) firstIndex.set(id, i);
      else if (!sameKey(payments[first], payments[i])) throw new PaymentIdCollision(id);
    });
    // By key (a payment applied before ids took their present form, paymentIdOf, has another id), and by id when
    // `probeIds`. The accounts named in the payments' remittance tokens come back in the same round trip (k = 'a').
    const firsts = [...firstIndex.values()].map((i) => payments[i]);
    const wantedByFirst = firsts.map(wantedOf);
    const tokens = [...new Set(wantedByFirst.flatMap((w) => w.tokens))];
    // One text, the probe by id in it or not: `a union b union all c` is `(a union b) union all c`.
    const byId = probeIds ? ` union select 'p', id, channel, source, bank_reference from payment where id = any($5::text[])` : '';
    const { rows: found } = await c.query<{ k: 'p' | 'a'; id: string; channel: string; source: string; bank_reference: string }>(
      preparedOnce({
        text: `select 'p' as k, p.id, p.channel, p.source, p.bank_reference from unnest($1::text[], $2::text[], $3::text[]) as k(ch, src, ref)
         join payment p on p.channel = k.ch and p.source = k.src and p.bank_reference = k.ref${byId}
       union all
       select 'a', id, null, null, null from billing_account where id = any($4::text[])`,
        values: [
          pgArray(firsts.map((p) => p.channel)),
          pgArray(firsts.map((p) => p.source)),
          pgArray(firsts.map((p) => p.bankReference)),
          pgArray(tokens),
          ...(probeIds ? [pgArray([...firstIndex.keys()])] : []),
        ],
      }),
    );
    const existingIds = new Map<string, string>();
    const accounts: string[] = [];
    for (const r of found) {
      if (r.k === 'a') {
        accounts.push(r.id);
        continue;
      }
      const first = firstIndex.get(r.id);
      const key = { channel: r.channel, source: r.source, bankReference: r.bank_reference };
      if (first !== undefined && !sameKey(payments[first], key)) throw new PaymentIdCollision(r.id);
      existingIds.set(paymentIdOf(key), r.id);
    }
    const todo: { id: string; p: ReceivedPayment; wanted: Wanted }[] = [];
    [...firstIndex.keys()].forEach((id, i) => {
      if (!existingIds.has(id)) todo.push({ id, p: firsts[i], wanted: wantedByFirst[i] });
    });
    const wanted = todo.map((t) => t.wanted);
    const docs = await this.lockDocuments(c, wanted, accounts);
    const applied: Applied[] = todo.map(({ id, p }, i) => {
      const match = matchOf(p, wanted[i], docs);
      const plan = allocatePayment({ amountMinor: p.amountMinor, targets: match.targets, preferExactAmount: match.preferExactAmount });
      for (const a of plan.allocations) {
        const d = docs.byId.get(a.documentId)!;
        d.openMinor -= a.amountMinor;
        d.status = d.openMinor === 0n ? 'PAID' : 'PARTIALLY_PAID';
      }
      const rule =
        match.accountId === null ? null : match.rule === 'ACCOUNT_OLDEST_FIRST' && plan.exactAmount ? 'ACCOUNT_EXACT_AMOUNT' : match.rule;
      const status: PaymentStatus = match.accountId === null ? 'SUSPENSE' : plan.unappliedMinor === 0n ? 'ALLOCATED' : 'UNAPPLIED';
      return { id, p, match, plan, rule, status };
    });
    return { ids, existingIds, applied, rows: this.rowsOf(applied, o.importId, now) };
  }

  /** Writes a plan's rows, runs `o.inTransaction` for each payment created, and answers in the order the payments were given. */
  private async writeIn(c: PoolClient, { ids, existingIds, applied, rows }: Plan, o: ApplyOptions): Promise<ApplyOutcome[]> {
    if (rows !== undefined) await this.writeRows(c, rows);
    for (const a of applied) await o.inTransaction?.(c, a.id);
    const byId = new Map(applied.map((a) => [a.id, a]));
    const answered = new Set<string>();
    return ids.map((id) => {
      const a = byId.get(id);
      if (a === undefined || answered.has(id)) return { created: false, paymentId: existingIds.get(id) ?? id };
      answered.add(id);
      return { created: true, paymentId: id, accountId: a.match.accountId, status: a.status, rule: a.rule };
    });
  }

  /**
   * Every document the batch's payments may pay, locked (FOR UPDATE, oldest first: the one order every
   * writer uses, so two batches never deadlock) and read under the lock: those named by an RF reference
   * or a number, and the payable documents of the accounts named. Credit notes are never paid.
   */
  private async lockDocuments(c: PoolClient, wanted: readonly Wanted[], named: readonly string[]): Promise<Documents> {
    const refs = [...new Set(wanted.flatMap((w) => w.refs))];
    const tokens = [...new Set(wanted.flatMap((w) => w.tokens))];
    // The accounts that exist among every payment's tokens (looked up with the payments), narrowed to the new payments'.
    const tokenSet = new Set(tokens);
    const accounts = named.filter((a) => tokenSet.has(a));
    const out: Documents = {
      byId: new Map(),
      byReference: new Map(),
      byNumber: new Map(),
      byAccount: new Map(),
      accounts: new Set(accounts),
      order: new Map(),
    };
    if (refs.length === 0 && tokens.length === 0) return out;
    // Not prepared (preparedOnce): planned with its arrays as constants, PostgreSQL hashes each array for the
    // bitmap scan's recheck; a generic plan compares every row with every element (a third dearer, measured).
    const { rows } = await c.query<{
      id: string;
      account_id: string;
      currency: string;
      type: string;
      status: string;
      open_minor: string;
      payment_reference: string | null;
      number_text: string | null;
    }>(
      `select id, account_id, trim(currency) as currency, type, status, (gross_minor - paid_minor)::text as open_minor, payment_reference, number_text
       from billing_document
       where type <> 'CREDIT_NOTE'
         and (payment_reference = any($1::text[]) or number_text = any($2::text[]) or (account_id = any($3::text[]) and ${PAYABLE}))
       order by issue_date, id for update`,
      [pgArray(refs), pgArray(tokens), pgArray(accounts)],
    );
    const push = (m: Map<string, DocumentState[]>, k: string, d: DocumentState) => m.set(k, [...(m.get(k) ?? []), d]);
    for (const r of rows) {
      const d: DocumentState = {
        id: r.id,
        accountId: r.account_id,
        currency: r.currency,
        type: r.type,
        status: r.status,
        openMinor: BigInt(r.open_minor),
        paymentReference: r.payment_reference,
        numberText: r.number_text,
      };
      out.byId.set(d.id, d);
      out.order.set(d.id, out.order.size);
      if (d.paymentReference !== null) push(out.byReference, d.paymentReference, d);
      if (d.numberText !== null) push(out.byNumber, d.numberText, d);
      push(out.byAccount, d.accountId, d);
    }
    return out;
  }

  /** The batch's rows, one statement per table (payments, ledger, allocations, documents, events), built without a connection. */
  private rowsOf(applied: readonly Applied[], importId: string | null, now: Date): BatchRows | undefined {
    if (applied.length === 0) return undefined;
    // A plain insert, not ON CONFLICT (whose speculative insertion checks each unique index twice): the
    // id is derived from the key, so a concurrent insert of the same payment meets the primary key or the
    // key's index, and either unique violation means "applied concurrently" (writeRows).
    const payments: QueryConfig = {
      text: `insert into payment (id, channel, source, bank_reference, currency, amount_minor, unapplied_minor, value_date, booking_date,
         end_to_end_id, remittance_info, debtor_name, status, account_id, match_rule, import_id, created_at, updated_at)
       select id, ch, src, ref, cur, amt, un, vd, bd, e2e, rmt, dn, st, acc, mr, $17, $18, $18
       from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::date[], $9::date[], $10::text[],
         $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::int[]) as t(id, ch, src, ref, cur, amt, un, vd, bd, e2e, rmt, dn, st, acc, mr, ord)
       order by ord
       returning id`,
      values: [
        pgArray(applied.map((a) => a.id)),
        pgArray(applied.map((a) => a.p.channel)),
        pgArray(applied.map((a) => a.p.source)),
        pgArray(applied.map((a) => a.p.bankReference)),
        pgArray(applied.map((a) => a.p.currency)),
        pgArray(applied.map((a) => a.p.amountMinor)),
        pgArray(applied.map((a) => a.plan.unappliedMinor)),
        pgArray(applied.map((a) => a.p.valueDate)),
        pgArray(applied.map((a) => a.p.bookingDate)),
        pgArray(applied.map((a) => a.p.endToEndId)),
        pgArray(applied.map((a) => a.p.remittanceInfo)),
        pgArray(applied.map((a) => a.p.debtorName)),
        pgArray(applied.map((a) => a.status)),
        pgArray(applied.map((a) => a.match.accountId)),
        pgArray(applied.map((a) => a.rule)),
        pgArray(applied.map((_, i) => i)),
        importId,
        now,
      ],
    };
    // The batch's payments in PAYMENT_RECEIVED transactions, one per currency and posting day (txOf: each
    // payment's); a transaction's id is its payments' allocations' and events' too.
    const received = paymentsReceivedTransactions(
      applied.map((a) => ({
        paymentId: a.id,
        currency: a.p.currency,
        postedOn: a.p.bookingDate ?? a.p.valueDate,
        legs: paymentReceivedLegs({
          amountMinor: a.p.amountMinor,
          allocatedMinor: a.plan.allocations.reduce((s, x) => s + x.amountMinor, 0n),
          accountId: a.match.accountId,
          ...(a.p.channel === 'DEPOSIT'
            ? { cash: { account: LEDGER_ACCOUNT.DEPOSITS_HELD, party: depositAccount({ id: a.id, accountId: a.match.accountId }) } }
            : {}),
        }),
      })),
      { importId, now },
    );
    const ledger = ledgerTransactionsStatements(received.txs);
    const txIdOf = (i: number) => ledger.ids[received.txOf[i]];
    const allocations = applied.flatMap((a, i) => a.plan.allocations.map((x) => ({ paymentId: a.id, txId: txIdOf(i), ...x })));
    const paid = new Map<string, bigint>();
    for (const x of allocations) paid.set(x.documentId, (paid.get(x.documentId) ?? 0n) + x.amountMinor);
    const events = paymentsReceivedEventsStatement(
      applied.map((a, i) => ({
        paymentId: a.id,
        accountId: a.match.accountId,
        channel: a.p.channel,
        currency: a.p.currency,
        amountMinor: a.p.amountMinor.toString(),
        unappliedMinor: a.plan.unappliedMinor.toString(),
        valueDate: a.p.valueDate,
        status: a.status,
        matchRule: a.rule,
        allocated:
          a.plan.allocations.length === 0
            ? undefined
            : {
                ledgerTransactionId: txIdOf(i),
                allocations: a.plan.allocations.map((x) => ({ documentId: x.documentId, amountMinor: x.amountMinor.toString() })),
              },
      })),
      now,
    );
    return {
      payments,
      ledger: ledger.statements,
      allocations:
        allocations.length === 0
          ? undefined
          : {
              text: `insert into payment_allocation (payment_id, document_id, amount_minor, ledger_transaction_id, created_at)
         select p, d, m, t, $5 from unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) as u(p, d, m, t)`,
              values: [
                pgArray(allocations.map((x) => x.paymentId)),
                pgArray(allocations.map((x) => x.documentId)),
                pgArray(allocations.map((x) => x.amountMinor)),
                pgArray(allocations.map((x) => x.txId)),
                now,
              ],
            },
      paid,
      events,
      now,
    };
  }

  /**
   * Writes a batch's rows in the caller's transaction, in ONE round trip: the payments, ledger, allocations,
   * documents and events as one statement of data-modifying CTEs (statementsAsOne). A payment inserted
   * concurrently since the look-up fails the whole statement on its key (PaymentRaced): nothing is written.
   * The statement-level checks of every part (an allocation's payment, document and ledger transaction) run
   * at the statement's end, when every part's rows are there.
   */
  private async writeRows(c: PoolClient, rows: BatchRows): Promise<void> {
    const parts = [
      { name: 'payments', q: rows.payments },
      ...rows.ledger.map((q, i) => ({ name: `ledger_${i}`, q })),
      ...(rows.allocations === undefined ? [] : [{ name: 'allocations', q: rows.allocations }]),
      ...(rows.paid.size === 0 ? [] : [{ name: 'documents', q: addPaidStatement(rows.paid, rows.now) }]),
      ...(rows.events === undefined ? [] : [{ name: 'events', q: rows.events }]),
    ];
    // The payments first, before any other part (the order of a statement's CTEs is otherwise PostgreSQL's to
    // choose): the main query reads them in a one-time filter evaluated before anything else, so a payment
    // inserted concurrently meets its key (PaymentRaced) before a row derived from its id (an event, a
    // ledger transaction) could meet a key of its own.
    const paymentsFirst = '(select count(*) from payments) >= 0';
    const documents =
      rows.paid.size === 0 ? `select true as within where not ${paymentsFirst}` : `select within from documents where ${paymentsFirst}`;
    let moved: { within: boolean }[];
    try {
      moved = (await c.query<{ within: boolean }>(preparedOnce(statementsAsOne(parts, documents)))).rows;
    } catch (e) {
      const x = e as { code?: string; constraint?: string; detail?: string };
      if (x.code === '23505' && x.constraint !== undefined && PAYMENT_KEY_CONSTRAINTS.has(x.constraint))
        throw new PaymentRaced(x.detail ?? x.constraint);
      throw e;
    }
    checkAddedPaid(rows.paid, moved, 'payments: allocations');
  }
}

/** A batch's statements, built while the batch before it is written. */
interface BatchRows {
  payments: QueryConfig;
  ledger: QueryConfig[];
  allocations: QueryConfig | undefined;
  /** Paid per document (addPaid). */
  paid: Map<string, bigint>;
  events: QueryConfig | undefined;
  now: Date;
}

interface Documents {
  byId: Map<string, DocumentState>;
  byReference: Map<string, DocumentState[]>;
  byNumber: Map<string, DocumentState[]>;
  byAccount: Map<string, DocumentState[]>;
  /** Accounts that exist among the batch's remittance tokens. */
  accounts: Set<string>;
  /** Each document's place in the lock order (issue date, id). */
  order: Map<string, number>;
}

/** The rules of the file header, in order, over the batch's locked documents (oldest first). Pure. */
function matchOf(p: ReceivedPayment, w: Wanted, docs: Documents): Match {
  const referenced = (found: DocumentState[], rule: MatchRule): Match | undefined => {
    if (found.length === 0) return undefined;
    const accounts = new Set(found.map((d) => d.accountId));
    if (accounts.size !== 1) return NO_MATCH;
    const targets = found.filter((d) => payable(d) && d.currency === p.currency).map((d) => ({ id: d.id, openMinor: d.openMinor }));
    return { accountId: found[0].accountId, rule, targets, preferExactAmount: false };
  };
  /** The documents under these keys, each once, in the lock order (issue date, id). */
  const union = (m: Map<string, DocumentState[]>, keys: readonly string[]) => {
    const found = new Map<string, DocumentState>();
    for (const k of keys) for (const d of m.get(k) ?? []) found.set(d.id, d);
    return [...found.values()].sort((a, b) => docs.order.get(a.id)! - docs.order.get(b.id)!);
  };
  if (w.refs.length > 0) {
    const m = referenced(union(docs.byReference, w.refs), 'RF_REFERENCE');
    if (m !== undefined) return m;
  }
  if (w.tokens.length === 0) return NO_MATCH;
  const byNumber = referenced(union(docs.byNumber, w.tokens), 'DOCUMENT_NUMBER');
  if (byNumber !== undefined) return byNumber;
  const accounts = w.tokens.filter((t, i) => docs.accounts.has(t) && w.tokens.indexOf(t) === i);
  if (accounts.length !== 1) return NO_MATCH;
  const targets = (docs.byAccount.get(accounts[0]) ?? [])
    .filter((d) => payable(d) && d.currency === p.currency)
    .map((d) => ({ id: d.id, openMinor: d.openMinor }));
  return { accountId: accounts[0], rule: 'ACCOUNT_OLDEST_FIRST', targets, preferExactAmount: true };
}

/** A deposit applied is the deposit's account's money: matching must have found that account. */
function depositAccount(x: { id: string; accountId: string | null }): string {
  if (x.accountId === null) throw new Error(`payment ${x.id}: a deposit applied must name its account`);
  return x.accountId;
}
