/**
 * journal: the balance journal, what PostgreSQL keeps of the rated-event stream so a lost Redis
 * account is rebuilt with its balance, consumed allowance units and tier counters
 * (Migration20261122000000_balance_journal, Migration20261122000001_journal_stream_identity).
 *
 * Written by apps/charging/src/journal alone, in batched SQL (`unnest` arrays, one statement per table
 * per batch, journal-store.ts): no entities, because the ORM would add nothing to that write path and
 * nobody writes these rows one by one. The tables are listed here so every table has one context.
 */
export const journalEntities = [];

/** Tables of this context, created by SQL migrations only. */
export const journalTables = ['journal_position', 'account_journal', 'bucket_journal', 'cycle_journal', 'journal_parked_event'] as const;
