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
 * The one-form check keeps its meaning: a batch row's `events` is a non-empty array. `json_typeof` reads the
 * first token only, and the emptiness test reads the text's first EMPTY_TEST_CHARS characters: a regular
 * expression over the whole text converts all of it first (perf: 2 % of the import's backend samples), and
 * json_array_length would parse all of it. An empty array padded with more blanks than that passes the check;
 * the relay then holds the row as one without an event, loudly (PgOutboxRelay).
 *
 * The type change rewrites the column and resets its compression method, so both ways set lz4 again
 * (Migration20261205004800). Down: back to jsonb (every value converted: a long rewrite on a large outbox),
 * and the view and check as Migration20261205004600 made them.
 */
import { Migration } from '@mikro-orm/migrations';
import { setCompression } from './Migration20261205004800_outbox_events_lz4';

const TABLES = ['billing_outbox', 'collections_outbox'] as const;
/** Characters at the start of a batch row's text that the one-form check reads to tell an empty array. */
const EMPTY_TEST_CHARS = 64;

/** The view of collections' events, one per row, whichever form holds them (Migration20261205004600), over `events` of `type`. */
function collectionsEventView(type: 'json' | 'jsonb'): string {
  const payload = type === 'json' ? `(e.x->'payload')::jsonb` : `e.x->'payload'`;
  return `create view "collections_event" as
  select o.id as row_id, coalesce(e.n, 1) as row_order,
    coalesce(e.x->>'eventId', o.event_id) as event_id, coalesce(e.x->>'subject', o.subject) as subject,
    coalesce(${payload}, o.payload) as payload, o.created_at, o.published_at
  from "collections_outbox" o
  left join lateral ${type}_array_elements(o.events) with ordinality as e(x, n) on true;`;
}

/** The one-form check of `t` (a plain row, or a batch row of a non-empty array) over `events` of `type`. */
function oneForm(t: string, type: 'json' | 'jsonb'): string {
  const batch =
    type === 'json'
      ? `json_typeof("events") = 'array' and left("events"::text, ${EMPTY_TEST_CHARS}) !~ '^\\s*\\[\\s*\\]'`
      : `jsonb_typeof("events") = 'array' and jsonb_array_length("events") > 0`;
  return `alter table "${t}" add constraint "${t}_one_form" check (
    ("events" is null and "subject" is not null and "payload" is not null)
    or ("events" is not null and "subject" is null and "payload" is null and ${batch}));`;
}

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
      this.addSql(oneForm(t, type));
    }
    // A new type resets the column's compression: lz4 again, as Migration20261205004800 set it.
    this.addSql(setCompression('lz4'));
    this.addSql(collectionsEventView(type));
  }
}
