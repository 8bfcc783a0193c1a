/** What ClickHouse holds for revenue assurance: the read port and its implementation over @app/analytics. */
import {
  type AccountTypeTotal,
  type ClickHouseClient,
  queryAccountTypeTotals,
  queryStoredEventAmounts,
  type ReconcilePeriod,
  type StoredEventAmount,
} from '@app/analytics';
import { clickhouseFailure } from '../usage/usage-reader';

export const STORED_EVENT_READER = Symbol('STORED_EVENT_READER');

export interface StoredEventReader {
  /** De-duplicated totals per account and type; at most `rowsMax` lines. */
  totals(q: ReconcilePeriod & { rowsMax: number }): Promise<AccountTypeTotal[]>;
  /** De-duplicated events of the accounts; at most `rowsMax`. */
  events(q: ReconcilePeriod & { accountIds: readonly string[]; rowsMax: number }): Promise<StoredEventAmount[]>;
}

export class ClickhouseStoredEvents implements StoredEventReader {
  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
  ) {}

  async totals(q: ReconcilePeriod & { rowsMax: number }): Promise<AccountTypeTotal[]> {
    try {
      return await queryAccountTypeTotals(this.client, this.database, q);
    } catch (err) {
      throw clickhouseFailure(err);
    }
  }

  async events(q: ReconcilePeriod & { accountIds: readonly string[]; rowsMax: number }): Promise<StoredEventAmount[]> {
    try {
      return await queryStoredEventAmounts(this.client, this.database, q);
    } catch (err) {
      throw clickhouseFailure(err);
    }
  }
}
