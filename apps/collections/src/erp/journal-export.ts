/**
 * The ERP export (issue 10, section 5): the ledger journal of one day (postings of the
 * transactions dated that day, `posted_on`), mapped to general-ledger account numbers, as CSV or
 * JSON, idempotent per day.
 *
 * - **Mapping.** Every ledger account code the day uses must be mapped (ERP_ACCOUNT_MAP, a JSON
 *   object, over ERP_ACCOUNT_MAP_DEFAULT): an unmapped code refuses the export naming it, so no
 *   posting ever leaves without its account.
 * - **Rows.** One per posting, ordered by transaction id and line: transaction, kind, source,
 *   date, line, ledger account, GL account, party (the billing account), currency, debit and
 *   credit as decimal strings of the currency's major unit (exact, from the minor unit). Each
 *   transaction's debits equal its credits (the ledger's own rule, checked again here).
 * - **Idempotent per day.** The file is a pure function of the day's postings (the ledger is
 *   append-only), so exporting the day again gives the same bytes. Only days that are over (UTC)
 *   are exported. The first export records the file's SHA-256 (`erp_journal_export`); a later
 *   export whose postings differ (a transaction dated into the day afterwards) is refused with
 *   JOURNAL_CHANGED and both hashes, for an operator to decide: never two different files for one day.
 */
import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { currencyExponent } from '@app/money';
import { CollectionsError, CollectionsErrorCode } from '../payments/collections-error';
import { isCalendarDate } from '../payments/query-params';

/** GL accounts of the ledger codes Ratel posts to (a French PCG-style chart); ERP_ACCOUNT_MAP overrides or adds. */
export const ERP_ACCOUNT_MAP_DEFAULT: Readonly<Record<string, string>> = {
  AR: '411000',
  BANK: '512000',
  UNAPPLIED_CASH: '419100',
  SUSPENSE: '471000',
  REVENUE: '706000',
  TAX_PAYABLE: '445710',
  CUSTOMER_ADVANCES: '419000',
  WRITE_OFF: '654000',
  REFUNDS_PAYABLE: '419800',
  DEPOSITS_HELD: '165000',
  TOP_UPS_REFUSED: '419900',
};

/** Postings one export reads at most (a day of a large operator: about 10 postings per payment). */
export const ERP_EXPORT_POSTINGS_MAX = 5_000_000;

export const ERP_FORMATS = ['csv', 'json'] as const;
export type ErpFormat = (typeof ERP_FORMATS)[number];

export const CSV_HEADER = [
  'transaction_id',
  'kind',
  'source_id',
  'posted_on',
  'line_no',
  'ledger_account',
  'gl_account',
  'party',
  'currency',
  'debit',
  'credit',
] as const;

export interface JournalRow {
  transactionId: string;
  kind: string;
  sourceId: string;
  postedOn: string;
  lineNo: number;
  ledgerAccount: string;
  glAccount: string;
  party: string | null;
  currency: string;
  debit: string;
  credit: string;
}

export interface JournalExport {
  day: string;
  format: ErpFormat;
  sha256: string;
  transactions: number;
  postings: number;
  /** True when this day had been exported before (same bytes). */
  repeated: boolean;
  body: string;
}

/** `minor` as a decimal string of the major unit, exactly (no float): 12345 EUR -> "123.45". */
export function majorText(minor: bigint, currency: string): string {
  const exp = currencyExponent(currency);
  const sign = minor < 0n ? '-' : '';
  const abs = minor < 0n ? -minor : minor;
  if (exp === 0) return `${sign}${abs}`;
  const digits = abs.toString().padStart(exp + 1, '0');
  return `${sign}${digits.slice(0, -exp)}.${digits.slice(-exp)}`;
}

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function toCsv(rows: readonly JournalRow[]): string {
  const lines = [CSV_HEADER.join(',')];
  for (const r of rows)
    lines.push(
      [
        r.transactionId,
        r.kind,
        r.sourceId,
        r.postedOn,
        String(r.lineNo),
        r.ledgerAccount,
        r.glAccount,
        r.party ?? '',
        r.currency,
        r.debit,
        r.credit,
      ]
        .map(csvField)
        .join(','),
    );
  return `${lines.join('\r\n')}\r\n`;
}

/** Parses ERP_ACCOUNT_MAP (JSON object of ledger code -> GL account) over the default; throws naming the bad entry. */
export function accountMap(json: string | undefined): Record<string, string> {
  if (json === undefined || json.trim() === '') return { ...ERP_ACCOUNT_MAP_DEFAULT };
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (e) {
    throw new Error(`ERP_ACCOUNT_MAP: not JSON (${(e as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Error('ERP_ACCOUNT_MAP: a JSON object of ledger code -> GL account');
  const out: Record<string, string> = { ...ERP_ACCOUNT_MAP_DEFAULT };
  for (const [code, gl] of Object.entries(parsed)) {
    if (!/^[A-Z_]{1,32}$/.test(code)) throw new Error(`ERP_ACCOUNT_MAP: ${JSON.stringify(code)} is not a ledger account code`);
    if (typeof gl !== 'string' || !/^[A-Za-z0-9._-]{1,32}$/.test(gl))
      throw new Error(`ERP_ACCOUNT_MAP.${code}: a GL account of 1-32 letters, digits, . _ -`);
    out[code] = gl;
  }
  return out;
}

interface PostingRow {
  transaction_id: string;
  kind: string;
  source_id: string;
  posted_on: string;
  line_no: number;
  account_code: string;
  party_account_id: string | null;
  currency: string;
  amount_minor: string;
}

export class JournalExporter {
  constructor(
    private readonly pool: Pool,
    private readonly map: Readonly<Record<string, string>>,
  ) {}

  async export(p: { day: string; format: ErpFormat; exportedBy: string; nowMs: number }): Promise<JournalExport> {
    if (!isCalendarDate(p.day)) throw CollectionsError.invalid('day', `${p.day} is not a date (YYYY-MM-DD)`);
    if (!(ERP_FORMATS as readonly string[]).includes(p.format))
      throw CollectionsError.invalid('format', `one of ${ERP_FORMATS.join(', ')}`);
    const todayUtc = new Date(p.nowMs).toISOString().slice(0, 10);
    if (p.day >= todayUtc) throw CollectionsError.invalid('day', `${p.day} is not over yet (UTC): its journal may still grow`);
    const { rows } = await this.pool.query<PostingRow>(
      `select t.id as transaction_id, t.kind, t.source_id, to_char(t.posted_on, 'YYYY-MM-DD') as posted_on, p.line_no, p.account_code,
         p.party_account_id, trim(t.currency) as currency, p.amount_minor::text as amount_minor
       from ledger_transaction t join ledger_posting p on p.transaction_id = t.id
       where t.posted_on = $1 order by t.id collate "C", p.line_no limit $2`,
      [p.day, ERP_EXPORT_POSTINGS_MAX + 1],
    );
    if (rows.length > ERP_EXPORT_POSTINGS_MAX)
      throw new CollectionsError(
        CollectionsErrorCode.INVALID_ARGUMENT,
        `day ${p.day} has more than ${ERP_EXPORT_POSTINGS_MAX} postings (ERP_EXPORT_POSTINGS_MAX)`,
        { parameter: 'day' },
      );
    const unmapped = [...new Set(rows.map((r) => r.account_code).filter((c) => this.map[c] === undefined))].sort();
    if (unmapped.length > 0)
      throw new CollectionsError(
        CollectionsErrorCode.UNMAPPED_ACCOUNTS,
        `ledger accounts without a GL account in ERP_ACCOUNT_MAP: ${unmapped.join(', ')}`,
        {
          unmapped,
        },
      );
    const sums = new Map<string, bigint>();
    const journal: JournalRow[] = rows.map((r) => {
      const amount = BigInt(r.amount_minor);
      sums.set(r.transaction_id, (sums.get(r.transaction_id) ?? 0n) + amount);
      return {
        transactionId: r.transaction_id,
        kind: r.kind,
        sourceId: r.source_id,
        postedOn: r.posted_on,
        lineNo: r.line_no,
        ledgerAccount: r.account_code,
        glAccount: this.map[r.account_code],
        party: r.party_account_id,
        currency: r.currency,
        debit: amount > 0n ? majorText(amount, r.currency) : '',
        credit: amount < 0n ? majorText(-amount, r.currency) : '',
      };
    });
    const unbalanced = [...sums].find(([, s]) => s !== 0n);
    if (unbalanced !== undefined)
      throw new Error(`ledger transaction ${unbalanced[0]} does not balance (${unbalanced[1]}): run ratel ledger check`);
    const csv = toCsv(journal);
    const sha256 = createHash('sha256').update(csv).digest('hex');
    const body = p.format === 'csv' ? csv : `${JSON.stringify({ day: p.day, sha256, rows: journal }, null, 1)}\n`;
    const recorded = await this.pool.query<{ sha256: string }>(
      `insert into erp_journal_export (day, sha256, transactions, postings, exported_by, first_exported_at, last_exported_at)
       values ($1, $2, $3, $4, $5, $6, $6)
       on conflict (day) do update set last_exported_at = excluded.last_exported_at where erp_journal_export.sha256 = excluded.sha256
       returning (xmax <> 0) as repeated, sha256`,
      [p.day, sha256, sums.size, journal.length, p.exportedBy, new Date(p.nowMs)],
    );
    if (recorded.rows.length === 0) {
      const first = (await this.pool.query<{ sha256: string }>(`select sha256 from erp_journal_export where day = $1`, [p.day])).rows[0];
      throw new CollectionsError(
        CollectionsErrorCode.JOURNAL_CHANGED,
        `the journal of ${p.day} changed since it was exported (exported ${first.sha256}, now ${sha256}): post corrections on a later day`,
        { exportedSha256: first.sha256, currentSha256: sha256 },
      );
    }
    return {
      day: p.day,
      format: p.format,
      sha256,
      transactions: sums.size,
      postings: journal.length,
      repeated: (recorded.rows[0] as unknown as { repeated: boolean }).repeated,
      body,
    };
  }
}
