/**
 * The storage port of the ingest sink and its ClickHouse implementation. An insert resolves only
 * after ClickHouse answered 200, i.e. wrote the rows to parts; the sink acknowledges messages only
 * then. Redelivered rows are stored again and collapsed by readers (README "Exactly-once effect").
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { DEAD_LETTERS_TABLE, DeadLetterRow, RATED_EVENTS_TABLE, RatedEventRow } from './rated-event-rows';
import { qualified } from './sql';

export interface RatedEventStore {
  insertRatedEvents(rows: readonly RatedEventRow[]): Promise<void>;
  insertDeadLetters(rows: readonly DeadLetterRow[]): Promise<void>;
}

export class ClickhouseRatedEventStore implements RatedEventStore {
  private readonly eventsTable: string;
  private readonly deadLettersTable: string;

  constructor(
    private readonly client: ClickHouseClient,
    database: string,
  ) {
    this.eventsTable = qualified(database, RATED_EVENTS_TABLE).text;
    this.deadLettersTable = qualified(database, DEAD_LETTERS_TABLE).text;
  }

  async insertRatedEvents(rows: readonly RatedEventRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.client.insert({ table: this.eventsTable, values: rows as RatedEventRow[], format: 'JSONEachRow' });
  }

  async insertDeadLetters(rows: readonly DeadLetterRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.client.insert({ table: this.deadLettersTable, values: rows as DeadLetterRow[], format: 'JSONEachRow' });
  }
}
