/**
 * FINALIZE: drafts become issued documents with gapless numbers, their ledger postings and their
 * `ratel.billing.v1` events, in blocks, each block ONE transaction:
 *
 *   lock the series row (number_series, one per document type, legal entity and year)
 *   take the next block of drafts in a fixed order (account id, then document id), locked
 *   number them next .. next + n - 1, set ISSUED, issue and due dates, the RF payment reference
 *   post each one to the ledger (AR against REVENUE and TAX_PAYABLE; reversed for a credit note)
 *   write one DOCUMENT_ISSUED event each to billing_outbox
 *   move the series on by n; commit
 *
 * (The order of these writes inside the transaction differs: a block is opened, its drafts locked and
 * posted to the ledger, while the block before it is numbered and committed on another connection;
 * it is numbered under the series lock only once that block committed, and rolled back if it failed.
 * See OpenBlock.)
 *
 * Gapless and never twice: a number exists only in the transaction that issues its document and
 * moves the series on; a crash rolls the whole block back. A second finalizer waits on the series
 * lock and then finds only what is left. Deterministic: a re-run after a crash takes the remaining
 * drafts in the same order from the same next number, so it ends with the numbers an uninterrupted
 * run would have given. HELD drafts are not taken; once approved they are finalized the same way.
 */
import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { BILLING_SUBJECT_PREFIX } from '@app/events';
import { creditorReference } from '@app/money';
import type { DocumentType } from './document-types';

/** Documents numbered per transaction (measured: blocks of 500 are ~90x one by one on PostgreSQL 15). */
export const FINALIZE_BLOCK_DEFAULT = 500;
export const FINALIZE_BLOCK_MAX = 10_000;
/** Digits of the running number in a document number: INV2026-000123. */
export const DOCUMENT_NUMBER_DIGITS = 6;

/** Prefix of each document type's series unless the legal entity sets its own. */
export const SERIES_PREFIX_DEFAULT: Readonly<Record<DocumentType, string>> = {
  INVOICE: 'INV',
  CREDIT_NOTE: 'CN',
  DEBIT_NOTE: 'DN',
  ADVANCE_INVOICE: 'ADV',
};

export const BILLING_EVENT_SCHEMA = 'ratel.billing.v1';
const BILLING_SUBJECT_ROOT = BILLING_SUBJECT_PREFIX;

export interface FinalizeScope {
  /** The drafts of one run, or the given documents (an approved HELD draft). */
  runId?: string;
  documentIds?: readonly string[];
}

export interface FinalizeOptions {
  /** YYYY-MM-DD: the documents' issue date (a run uses its cycle's last day, so a re-run gives the same documents). */
  issueDate: string;
  blockSize?: number;
  nowMs: number;
  /** Called after each committed block with the documents it issued. */
  onBlock?(issued: number): void | Promise<void>;
}

export interface FinalizeResult {
  issued: number;
  blocks: number;
  series: string[];
}

interface DraftRow {
  id: string;
  account_id: string;
  type: DocumentType;
  currency: string;
  net_minor: string;
  tax_minor: string;
  gross_minor: string;
  corrects_document_id: string | null;
  period_start: string | null;
  period_end: string | null;
  due_date: string;
}

export function seriesIdOf(type: DocumentType, legalEntityId: string, year: number): string {
  return `${type}|${legalEntityId}|${year}`;
}

export function documentNumberText(prefix: string, year: number, n: bigint): string {
  return `${prefix}${year}-${n.toString().padStart(DOCUMENT_NUMBER_DIGITS, '0')}`;
}

/** The RF reference of a document number: its letters and digits (INV2026-000123 -> RF..INV2026000123). */
export function paymentReferenceOf(numberText: string): string {
  return creditorReference(numberText.replace(/[^A-Za-z0-9]/g, '').slice(-21));
}

/** SQL of a new series' prefix: the legal entity's own prefix first, when it has one, then the type's (ACME-INV). */
const seriesPrefixSql = (legalEntityParam: string, typePrefixParam: string) =>
  `coalesce((select number_series_prefix || '-' from legal_entity where id = ${legalEntityParam}), '') || ${typePrefixParam}`;

const eventIdOf = (kind: string, id: string) => createHash('sha1').update(`${kind}|${id}`).digest('hex');

export class Finalizer {
  constructor(private readonly pool: Pool) {}

  async finalize(scope: FinalizeScope, o: FinalizeOptions): Promise<FinalizeResult> {
    if ((scope.runId === undefined) === (scope.documentIds === undefined)) throw new RangeError('finalize: give a runId or documentIds');
    if (!/^\d{4}-\d{2}-\d{2}$/.test(o.issueDate)) throw new RangeError('finalize: issueDate must be YYYY-MM-DD');
    const blockSize = o.blockSize ?? FINALIZE_BLOCK_DEFAULT;
    if (!Number.isInteger(blockSize) || blockSize < 1 || blockSize > FINALIZE_BLOCK_MAX)
      throw new RangeError(`finalize: blockSize from 1 to ${FINALIZE_BLOCK_MAX}`);
    const year = Number(o.issueDate.slice(0, 4));
    const { rows: keys } = await this.pool.query<{ type: DocumentType; legal_entity_id: string }>(
      `select distinct type, legal_entity_id from billing_document where status = 'DRAFT' and ${this.where(scope, 1)} order by type, legal_entity_id`,
      [this.param(scope)],
    );
    const result: FinalizeResult = { issued: 0, blocks: 0, series: [] };
    for (const k of keys) {
      const seriesId = seriesIdOf(k.type, k.legal_entity_id, year);
      result.series.push(seriesId);
      // The series' drafts in numbering order, read once; each block takes the next slice of them (by
      // primary key) that is still DRAFT. Re-reading the order for every block walks the index entries of
      // every document issued before it, a cost that grows with the square of the run. The list is read
      // again at its end, for drafts that came meanwhile; a slice that another finalizer took is empty.
      const p: BlockParams = { ...k, seriesId, year, ...o };
      for (let ids = await this.draftIds(scope, k); ids.length > 0; ids = await this.draftIds(scope, k)) {
        const slices: string[][] = [];
        for (let i = 0; i < ids.length; i += blockSize) slices.push(ids.slice(i, i + blockSize));
        // Two blocks in flight (see OpenBlock): block i+1 is opened while block i is numbered and committed.
        let expected = await this.seriesHint(p);
        const opening = (slice: readonly string[]) => {
          const b = this.open(slice, p, expected);
          b.catch(() => undefined); // awaited later; never an unhandled rejection meanwhile
          return b;
        };
        let next: Promise<OpenBlock> | undefined = opening(slices[0]);
        for (let i = 0; next !== undefined; i++) {
          const current: OpenBlock = await next;
          expected = { ...expected, first: expected.first + BigInt(current.rows.length) };
          next = i + 1 < slices.length ? opening(slices[i + 1]) : undefined;
          try {
            const n = await this.close(current, p);
            if (n === 0) continue;
            result.issued += n;
            result.blocks++;
            await o.onBlock?.(n);
          } catch (err) {
            // The block opened behind this one is never numbered before it: roll it back.
            await next?.then(
              (b) => b.abort(),
              () => undefined,
            );
            throw err;
          }
        }
      }
    }
    return result;
  }

  /** The scope's drafts of one type and legal entity, in numbering order: account id (bytewise), then document id. */
  private async draftIds(scope: FinalizeScope, k: { type: DocumentType; legal_entity_id: string }): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      `select id from billing_document where status = 'DRAFT' and type = $2 and legal_entity_id = $3 and ${this.where(scope, 1)}
       order by account_id collate "C", id`,
      [this.param(scope), k.type, k.legal_entity_id],
    );
    return rows.map((r) => r.id);
  }

  private where(scope: FinalizeScope, param: number): string {
    return scope.runId !== undefined ? `run_id = $${param}` : `id = any($${param}::text[])`;
  }

  private param(scope: FinalizeScope): string | readonly string[] {
    return scope.runId ?? scope.documentIds!;
  }

  /**
   * Where the series stands (no lock): its next number and prefix, or 1 and the prefix close() would
   * create it with. The expected start of the first block; close() checks it under the series lock.
   */
  private async seriesHint(p: BlockParams): Promise<{ first: bigint; prefix: string }> {
    const { rows } = await this.pool.query<{ next_number: string; prefix: string }>(
      `select coalesce((select next_number from number_series where id = $1), 1)::text as next_number,
         coalesce((select prefix from number_series where id = $1), ${seriesPrefixSql('$2', '$3')}) as prefix`,
      [p.seriesId, p.legal_entity_id, SERIES_PREFIX_DEFAULT[p.type]],
    );
    return { first: BigInt(rows[0].next_number), prefix: rows[0].prefix };
  }

  /**
   * Opens a block: in its own transaction, locks the given drafts still DRAFT (FOR UPDATE, by primary key),
   * reads them, posts them to the ledger (postings need no number) and prepares their numbered writes
   * for the number the series is expected to be at. Nothing is committed: close() numbers the block under
   * the series lock and commits it, or abort() rolls it back. It runs while the block before it is closed,
   * on another connection: the two use both cores, and the node work of one overlaps the other's writes.
   */
  private async open(ids: readonly string[], p: BlockParams, expected: { first: bigint; prefix: string }): Promise<OpenBlock> {
    const c = await this.pool.connect();
    const abort = async () => {
      await c.query('rollback').catch(() => undefined);
      c.release();
    };
    try {
      await c.query('begin');
      // The block's drafts by primary key, whatever the statistics say. In a first month the document table
      // grows from nothing during COMPUTE; with the statistics of an empty table the planner read the block
      // through the (legal_entity_id, number_text) index, every document of the legal entity for each block of
      // 500: 27 ms a block at 100,000 documents and growing with the run. The other conditions are written
      // as one IS TRUE test, which no index matches, so the primary key is the only index left to use.
      await c.query('set local enable_seqscan = off');
      const { rows } = await c.query<DraftRow>(
        `select id, account_id, type, currency, net_minor, tax_minor, gross_minor, corrects_document_id,
           to_char(period_start, 'YYYY-MM-DD') as period_start, to_char(period_end, 'YYYY-MM-DD') as period_end,
           to_char($4::date + payment_terms_days, 'YYYY-MM-DD') as due_date
         from billing_document where id = any($1::text[]) and (status = 'DRAFT' and type = $2 and legal_entity_id = $3) is true
         order by account_id collate "C", id for update`,
        [ids, p.type, p.legal_entity_id, p.issueDate],
      );
      if (rows.length > 0) await writeLedger(c, ledgerRows(rows), p.issueDate, new Date(p.nowMs));
      const prepared = rows.length > 0 ? prepare(rows, expected.first, expected.prefix, p) : undefined;
      return { c, rows, prepared, abort };
    } catch (err) {
      await abort();
      throw err;
    }
  }

  /**
   * Closes an open block: takes the series lock, numbers the block's drafts from the series' next number
   * (with the writes prepared when opening, if the series is where it was expected), sets them ISSUED,
   * writes their events, moves the series on and commits. Resolves to the documents it issued.
   */
  private async close(b: OpenBlock, p: BlockParams): Promise<number> {
    const { c } = b;
    try {
      if (b.rows.length === 0) {
        await c.query('commit');
        c.release();
        return 0;
      }
      await c.query(
        `insert into number_series (id, document_type, legal_entity_id, year, prefix)
         select $1::text, $2::text, $3::text, $4::int, ${seriesPrefixSql('$3::text', '$5::text')}
         on conflict (id) do nothing`,
        [p.seriesId, p.type, p.legal_entity_id, p.year, SERIES_PREFIX_DEFAULT[p.type]],
      );
      const series = (
        await c.query<{ next_number: string; prefix: string }>(`select next_number, prefix from number_series where id = $1 for update`, [
          p.seriesId,
        ])
      ).rows[0];
      const first = BigInt(series.next_number);
      const fits = b.prepared !== undefined && b.prepared.first === first && b.prepared.prefix === series.prefix;
      const prepared = fits ? b.prepared! : prepare(b.rows, first, series.prefix, p);
      const [ids, dues, numbers, texts, references] = prepared.update;
      await c.query(
        `update billing_document d set status = 'ISSUED', series_id = $2, number = u.num, number_text = u.txt, payment_reference = u.rf,
           issue_date = $3::date, due_date = u.due::date, issued_at = $5, updated_at = $5
         from unnest($1::text[], $6::bigint[], $7::text[], $8::text[], $4::text[]) as u(id, num, txt, rf, due) where d.id = u.id`,
        [ids, p.seriesId, p.issueDate, dues, prepared.now, numbers, texts, references],
      );
      await c.query(
        `insert into billing_outbox (event_id, subject, payload, created_at)
         select event_id, subject, payload, $2 from jsonb_to_recordset($1::jsonb) as t(event_id text, subject text, payload jsonb)
         on conflict (event_id) do nothing`,
        [prepared.eventsJson, prepared.now],
      );
      await c.query(`update number_series set next_number = $2 where id = $1`, [p.seriesId, (first + BigInt(b.rows.length)).toString()]);
      await c.query('commit');
      c.release();
      return b.rows.length;
    } catch (err) {
      await b.abort();
      throw err;
    }
  }
}

/**
 * A block opened and not yet closed: its transaction (on `c`) holds its drafts locked and their ledger
 * postings written. Blocks are closed in order, one at a time: block i+1 is opened while block i is
 * closed, and is closed only after block i committed; if block i fails, block i+1 is rolled back. So
 * numbers are still given in one serial order per series, each in the transaction that issues its
 * document and posts it, and a re-run after a crash starts from the first block not committed.
 */
interface OpenBlock {
  c: PoolClient;
  rows: readonly DraftRow[];
  /** The numbered writes for the number the series was expected to be at when the block was opened. */
  prepared: Prepared | undefined;
  abort(): Promise<void>;
}

interface BlockParams extends FinalizeOptions {
  type: DocumentType;
  legal_entity_id: string;
  seriesId: string;
  year: number;
}

/** What a block writes for these drafts numbered from `first` (pure: the same rows and number give the same writes). */
interface Prepared {
  first: bigint;
  prefix: string;
  now: Date;
  /** The update's arrays: ids, due dates, numbers, number texts, RF references. */
  update: [string[], string[], string[], string[], string[]];
  eventsJson: string;
}

function prepare(rows: readonly DraftRow[], first: bigint, prefix: string, p: BlockParams): Prepared {
  const now = new Date(p.nowMs);
  const numbered: Numbered[] = rows.map((r, i) => {
    const number = first + BigInt(i);
    const text = documentNumberText(prefix, p.year, number);
    // One literal naming every field: `{ ...r, number, ... }` costs about 5 µs a document in node 20's V8 (a spread
    // followed by properties takes a slow path; RESULTS.md, "matching: object spreads out of the parser").
    return {
      id: r.id,
      account_id: r.account_id,
      type: r.type,
      currency: r.currency,
      net_minor: r.net_minor,
      tax_minor: r.tax_minor,
      gross_minor: r.gross_minor,
      corrects_document_id: r.corrects_document_id,
      period_start: r.period_start,
      period_end: r.period_end,
      due_date: r.due_date,
      number,
      text,
      reference: paymentReferenceOf(text),
      eventId: eventIdOf('issued', r.id),
    };
  });
  return {
    first,
    prefix,
    now,
    update: [
      numbered.map((r) => r.id),
      numbered.map((r) => r.due_date),
      numbered.map((r) => r.number.toString()),
      numbered.map((r) => r.text),
      numbered.map((r) => r.reference),
    ],
    eventsJson: issuedEventsJson(numbered, p.issueDate),
  };
}

type Numbered = DraftRow & { number: bigint; text: string; reference: string; eventId: string };

/**
 * The document's ledger transaction: the receivable (AR, on the customer's account) against revenue
 * and tax payable, all signed (debit > 0). A credit note reverses the signs. An advance invoice
 * (deposit, prepayment) credits CUSTOMER_ADVANCES, a liability, instead of revenue: it is earned
 * only when collections applies it. Zero legs are left out, and a document of zero total posts nothing.
 */
interface LedgerRows {
  tx: { id: string; key: string; source: string; currency: string }[];
  legs: { tx: string; line: number; account: string; party: string | null; amount: string }[];
}

function ledgerRows(docs: readonly DraftRow[]): LedgerRows {
  const tx: LedgerRows['tx'] = [];
  const legs: LedgerRows['legs'] = [];
  for (const d of docs) {
    const sign = d.type === 'CREDIT_NOTE' ? -1n : 1n;
    const net = BigInt(d.net_minor);
    const tax = BigInt(d.tax_minor);
    const gross = BigInt(d.gross_minor);
    if (gross === 0n && net === 0n) continue;
    const id = `lt-${eventIdOf('issued', d.id).slice(0, 40)}`;
    tx.push({ id, key: `document-issued|${d.id}`, source: d.id, currency: d.currency });
    const candidate = [
      { account: 'AR', party: d.account_id, amount: sign * gross },
      {
        account: d.type === 'ADVANCE_INVOICE' ? 'CUSTOMER_ADVANCES' : 'REVENUE',
        party: d.type === 'ADVANCE_INVOICE' ? d.account_id : null,
        amount: -sign * net,
      },
      { account: 'TAX_PAYABLE', party: null, amount: -sign * tax },
    ].filter((l) => l.amount !== 0n);
    candidate.forEach((l, i) => legs.push({ tx: id, line: i + 1, account: l.account, party: l.party, amount: l.amount.toString() }));
  }
  return { tx, legs };
}

async function writeLedger(c: PoolClient, { tx, legs }: LedgerRows, postedOn: string, now: Date): Promise<void> {
  if (tx.length === 0) return;
  await c.query(
    `insert into ledger_transaction (id, idempotency_key, kind, source_id, currency, posted_on, created_at)
     select t.id, t.key, 'DOCUMENT_ISSUED', t.source, t.currency, $5::date, $6
     from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as t(id, key, source, currency)`,
    [tx.map((t) => t.id), tx.map((t) => t.key), tx.map((t) => t.source), tx.map((t) => t.currency), postedOn, now],
  );
  await c.query(
    `insert into ledger_posting (transaction_id, line_no, account_code, party_account_id, amount_minor)
     select * from unnest($1::text[], $2::smallint[], $3::text[], $4::text[], $5::bigint[])`,
    [legs.map((l) => l.tx), legs.map((l) => l.line), legs.map((l) => l.account), legs.map((l) => l.party), legs.map((l) => l.amount)],
  );
}

function issuedEventsJson(docs: readonly Numbered[], issueDate: string): string {
  const events = docs.map((d) => ({
    event_id: d.eventId,
    subject: `${BILLING_SUBJECT_ROOT}.issued.${d.account_id}`,
    payload: {
      schema: BILLING_EVENT_SCHEMA,
      type: 'DOCUMENT_ISSUED',
      eventId: d.eventId,
      documentId: d.id,
      documentType: d.type,
      accountId: d.account_id,
      number: d.text,
      paymentReference: d.reference,
      currency: d.currency,
      netMinor: d.net_minor,
      taxMinor: d.tax_minor,
      grossMinor: d.gross_minor,
      issueDate,
      dueDate: d.due_date,
      periodStart: d.period_start,
      periodEnd: d.period_end,
      correctsDocumentId: d.corrects_document_id,
    },
  }));
  return JSON.stringify(events);
}
