/**
 * Seed-003 queries of collections, per billing account, each a handful of indexed reads (answered
 * well under a second):
 *
 * - payment status: standing (CURRENT, or OVERDUE with the overdue amount and the oldest due date),
 *   the next due date and what falls due on it, and the latest payments;
 * - balance: receivables (what issued documents still owe; credit notes count negative), credits
 *   (the unapplied part of payments), the net, the credit limit and the credit still available.
 *
 * Money is in the account currency's minor unit. The credit limit is held in micros by charging;
 * it is shown truncated to the minor unit (a limit is never overstated). Billing-cycle information
 * is invoicing's GET /v1/billing/accounts/{id}/cycle.
 */
import type { Pool } from 'pg';
import { currencyExponent } from '@app/money';
import { CollectionsError } from '../payments/collections-error';

/** Payments listed in a payment status. */
export const RECENT_PAYMENTS_MAX = 5;

const OPEN = `status in ('ISSUED', 'PARTIALLY_PAID') and type <> 'CREDIT_NOTE'`;

export interface PaymentStatusView {
  accountId: string;
  currency: string;
  asOf: string;
  standing: 'CURRENT' | 'OVERDUE';
  openDocuments: number;
  openMinor: string;
  overdue: { documents: number; amountMinor: string; oldestDueDate: string | null };
  nextDue: { dueDate: string; amountMinor: string; documents: number } | null;
  recentPayments: { paymentId: string; valueDate: string; channel: string; amountMinor: string; status: string }[];
}

export interface AccountBalanceView {
  accountId: string;
  type: string;
  currency: string;
  receivablesMinor: string;
  creditsMinor: string;
  /** receivables - credits: what the customer owes net (negative: we owe the customer). */
  netMinor: string;
  creditLimitMinor: string;
  /** creditLimit - net (may be negative when over the limit). */
  availableCreditMinor: string;
}

interface AccountRow {
  id: string;
  type: string;
  time_zone: string;
  currency: string;
  credit_limit_micros: string;
}

/** YYYY-MM-DD of `ms` in `timeZone`. */
export function localDate(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
}

export class AccountStanding {
  constructor(private readonly pool: Pool) {}

  private async account(accountId: string): Promise<AccountRow> {
    const { rows } = await this.pool.query<AccountRow>(
      `select id, type, time_zone, trim(currency) as currency, credit_limit_micros::text as credit_limit_micros from billing_account where id = $1`,
      [accountId],
    );
    if (rows.length === 0) throw CollectionsError.notFound(`billing account ${accountId}`);
    return rows[0];
  }

  /** Due dates are compared with today in the account's time zone. */
  async paymentStatus(accountId: string, nowMs: number): Promise<PaymentStatusView> {
    const a = await this.account(accountId);
    const today = localDate(nowMs, a.time_zone);
    const [open, next, payments] = await Promise.all([
      this.pool.query<{ n: number; open: string; overdue_n: number; overdue: string; oldest: string | null }>(
        `select count(*)::int as n, coalesce(sum(gross_minor - paid_minor), 0)::text as open,
           count(*) filter (where due_date < $2)::int as overdue_n,
           coalesce(sum(gross_minor - paid_minor) filter (where due_date < $2), 0)::text as overdue,
           to_char(min(due_date) filter (where due_date < $2), 'YYYY-MM-DD') as oldest
         from billing_document where account_id = $1 and ${OPEN}`,
        [accountId, today],
      ),
      this.pool.query<{ due: string; amount: string; n: number }>(
        `select to_char(due_date, 'YYYY-MM-DD') as due, sum(gross_minor - paid_minor)::text as amount, count(*)::int as n
         from billing_document where account_id = $1 and ${OPEN} and due_date >= $2
         group by due_date order by due_date limit 1`,
        [accountId, today],
      ),
      this.pool.query<{ id: string; value_date: string; channel: string; amount_minor: string; status: string }>(
        `select id, to_char(value_date, 'YYYY-MM-DD') as value_date, channel, amount_minor::text as amount_minor, status
         from payment where account_id = $1 order by value_date desc, id desc limit $2`,
        [accountId, RECENT_PAYMENTS_MAX],
      ),
    ]);
    const o = open.rows[0];
    const n = next.rows[0];
    return {
      accountId,
      currency: a.currency,
      asOf: new Date(nowMs).toISOString(),
      standing: o.overdue_n > 0 ? 'OVERDUE' : 'CURRENT',
      openDocuments: o.n,
      openMinor: o.open,
      overdue: { documents: o.overdue_n, amountMinor: o.overdue, oldestDueDate: o.oldest },
      nextDue: n === undefined ? null : { dueDate: n.due, amountMinor: n.amount, documents: n.n },
      recentPayments: payments.rows.map((p) => ({
        paymentId: p.id,
        valueDate: p.value_date,
        channel: p.channel,
        amountMinor: p.amount_minor,
        status: p.status,
      })),
    };
  }

  async balance(accountId: string): Promise<AccountBalanceView> {
    const a = await this.account(accountId);
    const { rows } = await this.pool.query<{ receivables: string; credits: string }>(
      `select
         coalesce((select sum(case when type = 'CREDIT_NOTE' then -1 else 1 end * (gross_minor - paid_minor)) from billing_document
                   where account_id = $1 and status in ('ISSUED', 'PARTIALLY_PAID', 'PAID')), 0)::text as receivables,
         coalesce((select sum(unapplied_minor) from payment where account_id = $1), 0)::text as credits`,
      [accountId],
    );
    const receivables = BigInt(rows[0].receivables);
    const credits = BigInt(rows[0].credits);
    const net = receivables - credits;
    const limit = BigInt(a.credit_limit_micros) / 10n ** BigInt(6 - Math.min(6, currencyExponent(a.currency)));
    return {
      accountId,
      type: a.type,
      currency: a.currency,
      receivablesMinor: receivables.toString(),
      creditsMinor: credits.toString(),
      netMinor: net.toString(),
      creditLimitMinor: limit.toString(),
      availableCreditMinor: (limit - net).toString(),
    };
  }
}
