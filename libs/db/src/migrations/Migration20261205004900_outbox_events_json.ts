/**
 * The outboxes' batch rows (`events`, Migration20261205004600) are stored as `json`, the text as written,
 * instead of `jsonb` (issue 10, matching 1M entries). A statement import writes the events of 500 payments,
 * about 500 kB of JSON, as one batch row, and nothing reads inside it before the relay: parsing it into jsonb
 * on every insert was about 9 % of the import's PostgreSQL backend CPU (perf, RESULTS.md "Matching: the batch
 * rows' events as json"). `json` still checks the text is JSON on insert, without building the tree.
 *
 * What reads the column reads it as before:
 * - the relay (PgOutboxRelay) expands a batch row with `json_array_elements` and publishes each payload as its
 *   jsonb text (`(x->'payload')::jsonb::text`): the same bytes as a jsonb column, or a plain row, published;
 * - the view `collections_event` gives each payload as jsonb, as before.
 *
 * The one-form check keeps its meaning: a batch row's `events` is a non-empty array (both forms of the check
 * and of the view are built in one place, Migration20261205004600's oneFormCheck and collectionsEventView).
 * `json_typeof` reads the first token only, and the emptiness test reads the text's first 64 characters: a
 * regular expression over the whole text converts all of it first (perf: 2 % of the import's backend samples),
 * and json_array_length would parse all of it. An empty array padded with more blanks than that passes the
 * check; the relay then holds the row as one without an event, loudly (PgOutboxRelay).
 *
 * The type change rewrites the column and resets its compression method, so both ways set lz4 again
 * (Migration20261205004800). Down: back to jsonb (every value converted: a long rewrite on a large outbox),
 * and the view and check as Migration20261205004600 made them.
 */
import { Migration } from '@mikro-orm/migrations';
import { collectionsEventView, oneFormCheck } from './Migration20261205004600_outbox_event_batches';
import { setCompression } from './Migration20261205004800_outbox_events_lz4';

const TABLES = ['billing_outbox', 'collections_outbox'] as const;

export class Migration20261205004900_outbox_events_json extends Migration {
  override async up(): Promise<void> {
    this.change('json');
  }

  override async down(): Promise<void> {
    this.change('jsonb');
  }

  private change(type: 'json' | 'jsonb'): void {
    this.addSql(`drop view if exists "collections_event";`);
    for (const t of TABLES) {
      this.addSql(`alter table "${t}" drop constraint if exists "${t}_one_form";`);
      this.addSql(`alter table "${t}" alter column "events" type ${type} using "events"::${type};`);
      this.addSql(oneFormCheck(t, type));
    }
    // A new type resets the column's compression: lz4 again, as Migration20261205004800 set it.
    this.addSql(setCompression('lz4'));
    this.addSql(collectionsEventView(type));
  }
}
