/**
 * The receivables ledger's invariants (issue 10, section 5), checked by `ratel ledger check`, by
 * GET /v1/collections/ledger/checks, and in tests after every run:
 *
 * 1. Every ledger transaction sums to zero (a statement-level trigger enforces it for every insert of
 *    postings; this finds a transaction that slipped past it, e.g. written with the trigger disabled).
 * 2. Per account, receivables = open document amounts - unapplied cash:
 *      sum(AR + UNAPPLIED_CASH postings of the account)
 *        = sum over its issued documents of sign x (gross - paid)   (credit notes count negative)
 *        - sum(unapplied part of its payments).
 * 3. Per account, unapplied cash = the unallocated part of its receipts:
 *      -sum(UNAPPLIED_CASH postings of the account) = sum(payment.unapplied_minor of the account).
 * 4. Per account, deposits held = the deposits it left that are neither applied nor being returned:
 *      -sum(DEPOSITS_HELD postings of the account) = sum(deposit.amount_minor where status HELD).
 *
 * Each check is ONE grouped query (no query per account), so a million accounts is one scan of
 * each table. At most LEDGER_CHECK_EXAMPLES_MAX offending rows are listed per check; all are counted.
 */
import type { Pool } from 'pg';

/** Offending transactions or accounts listed per check; the rest are counted. */
export const LEDGER_CHECK_EXAMPLES_MAX = 50;

/** Documents whose open amount counts (a VOID or DRAFT document owes nothing). */
const OPEN_STATUSES = `('ISSUED', 'PARTIALLY_PAID', 'PAID')`;

export interface AccountMismatch {
  accountId: string;
  ledgerMinor: string;
  expectedMinor: string;
}

export interface LedgerCheckReport {
  ok: boolean;
  accountId: string | null;
  checkedAt: string;
  transactions: { checked: number; unbalanced: number; examples: { transactionId: string; sumMinor: string }[] };
  receivables: { accountsChecked: number; mismatched: number; examples: AccountMismatch[] };
  unappliedCash: { accountsChecked: number; mismatched: number; examples: AccountMismatch[] };
  deposits: { accountsChecked: number; mismatched: number; examples: AccountMismatch[] };
}

interface MismatchRow {
  account_id: string;
  ledger: string;
  expected: string;
  n: number;
  checked: number;
}

export class LedgerChecks {
  constructor(private readonly pool: Pool) {}

  async run(opts: { accountId?: string; nowMs: number }): Promise<LedgerCheckReport> {
    const account = opts.accountId ?? null;
    const [transactions, receivables, unapplied, deposits] = await Promise.all([
      this.pool.query<{ transaction_id: string | null; s: string | null; n: number; checked: number }>(
        `with sums as (
           select p.transaction_id, sum(p.amount_minor) as s from ledger_posting p
           where $1::text is null or p.transaction_id in (select transaction_id from ledger_posting where party_account_id = $1)
           group by p.transaction_id)
         select u.transaction_id, u.s::text as s, (select count(*)::int from sums where s <> 0) as n, (select count(*)::int from sums) as checked
         from (select 1) one left join lateral (select transaction_id, s from sums where s <> 0 order by transaction_id limit $2) u on true`,
        [account, LEDGER_CHECK_EXAMPLES_MAX],
      ),
      this.mismatches(
        `select a.id as account_id,
           coalesce(l.ledger, 0) as ledger,
           coalesce(d.open, 0) - coalesce(p.unapplied, 0) as expected
         from billing_account a
         left join (select party_account_id, sum(amount_minor) as ledger from ledger_posting
                    where account_code in ('AR', 'UNAPPLIED_CASH') and party_account_id is not null group by 1) l on l.party_account_id = a.id
         left join (select account_id, sum(case when type = 'CREDIT_NOTE' then -1 else 1 end * (gross_minor - paid_minor)) as open
                    from billing_document where status in ${OPEN_STATUSES} group by 1) d on d.account_id = a.id
         left join (select account_id, sum(unapplied_minor) as unapplied from payment where account_id is not null group by 1) p on p.account_id = a.id
         where a.type = 'POSTPAID' or l.ledger is not null or d.open is not null or p.unapplied is not null`,
        account,
      ),
      this.mismatches(
        `select a.id as account_id, -coalesce(l.ledger, 0) as ledger, coalesce(p.unapplied, 0) as expected
         from billing_account a
         left join (select party_account_id, sum(amount_minor) as ledger from ledger_posting
                    where account_code = 'UNAPPLIED_CASH' and party_account_id is not null group by 1) l on l.party_account_id = a.id
         left join (select account_id, sum(unapplied_minor) as unapplied from payment where account_id is not null group by 1) p on p.account_id = a.id
         where l.ledger is not null or p.unapplied is not null`,
        account,
      ),
      this.mismatches(
        `select a.id as account_id, -coalesce(l.ledger, 0) as ledger, coalesce(d.held, 0) as expected
         from billing_account a
         left join (select party_account_id, sum(amount_minor) as ledger from ledger_posting
                    where account_code = 'DEPOSITS_HELD' and party_account_id is not null group by 1) l on l.party_account_id = a.id
         left join (select account_id, sum(amount_minor) filter (where status = 'HELD') as held from deposit group by 1) d on d.account_id = a.id
         where l.ledger is not null or d.account_id is not null`,
        account,
      ),
    ]);
    const t = transactions.rows;
    const report: LedgerCheckReport = {
      ok: false,
      accountId: account,
      checkedAt: new Date(opts.nowMs).toISOString(),
      transactions: {
        checked: t[0]?.checked ?? 0,
        unbalanced: t[0]?.n ?? 0,
        examples: t.filter((r) => r.transaction_id !== null).map((r) => ({ transactionId: r.transaction_id!, sumMinor: r.s! })),
      },
      receivables: receivables,
      unappliedCash: unapplied,
      deposits,
    };
    report.ok =
      report.transactions.unbalanced === 0 && receivables.mismatched === 0 && unapplied.mismatched === 0 && deposits.mismatched === 0;
    return report;
  }

  /** Rows of `perAccount` (account_id, ledger, expected) where the two differ, counted and listed. */
  private async mismatches(
    perAccount: string,
    account: string | null,
  ): Promise<{ accountsChecked: number; mismatched: number; examples: AccountMismatch[] }> {
    const { rows } = await this.pool.query<MismatchRow>(
      `with x as (select * from (${perAccount}) q where $1::text is null or q.account_id = $1),
            bad as (select * from x where ledger <> expected)
       select b.account_id, b.ledger::text as ledger, b.expected::text as expected,
         (select count(*)::int from bad) as n, (select count(*)::int from x) as checked
       from (select 1) one left join lateral (select * from bad order by account_id collate "C" limit $2) b on true`,
      [account, LEDGER_CHECK_EXAMPLES_MAX],
    );
    return {
      accountsChecked: rows[0]?.checked ?? 0,
      mismatched: rows[0]?.n ?? 0,
      examples: rows
        .filter((r) => r.account_id !== null)
        .map((r) => ({ accountId: r.account_id, ledgerMinor: r.ledger, expectedMinor: r.expected })),
    };
  }
}
