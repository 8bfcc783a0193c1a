/**
 * Who a balance notification goes to: the prepaid account's subscriber. Read from charging's
 * provisioning tables (read only; invoicing never writes them): the account's first line (oldest
 * subscription, then id). The language and a push address come with the billing accounts' delivery
 * preferences (issue 9 §1); until then `language` is null (the configured default applies).
 */
import type { Pool } from 'pg';

export interface SubscriberContact {
  /** E.164 digits without '+'. */
  msisdn: string;
  /** BCP 47 tag or null (the default language then applies). */
  language: string | null;
}

export interface SubscriberContacts {
  /** The prepaid subscriber of `accountId`, or null (unknown account, not prepaid, no line). */
  find(accountId: string): Promise<SubscriberContact | null>;
}

export class PgSubscriberContacts implements SubscriberContacts {
  constructor(private readonly pool: Pool) {}

  async find(accountId: string): Promise<SubscriberContact | null> {
    const { rows } = await this.pool.query(
      `select s.msisdn from subscription s join billing_account a on a.id = s.account_id
       where a.id = $1 and a.type = 'PREPAID' order by s.created_at, s.id limit 1`,
      [accountId],
    );
    return rows.length === 0 ? null : { msisdn: rows[0].msisdn as string, language: null };
  }
}
