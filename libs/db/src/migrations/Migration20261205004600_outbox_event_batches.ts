/**
 * An outbox row may carry several events (issue 10, matching 1M entries in 60 s): `events`, a JSON array of
 * `{eventId, subject, payload}` in publish order, instead of one event's `subject` and `payload`. A statement
 * import writes its batch's events (a payment received and allocated for each of 500 payments) as ONE such
 * row: at 100,000 entries the outbox took a quarter of the batch's write statement, one row and three
 * index entries per event (RESULTS.md, "Matching, eighth round").
 *
 * - The row's `event_id` is its first event's, so the unique index still refuses the same batch twice; the
 *   events of a batch row are keyed by rows the same transaction inserts (new payments), so none can exist
 *   elsewhere. JetStream de-duplicates each event by its own id (Nats-Msg-Id), as it does for plain rows.
 * - PgOutboxRelay publishes a batch row's events in order, each with its own id and subject, and marks the
 *   row published once all of them are acknowledged; a relay stopped halfway publishes the row again and
 *   JetStream drops the repeats within its duplicate window, as for a plain row published but not marked.
 * - billing_outbox gets the column too (the relay reads both tables alike); invoicing writes plain rows.
 * - The view `collections_event` lists collections' events one per row, whichever form holds them, in
 *   publish order: what an operator or a spec reads instead of expanding `events` by hand.
 *
 * Down: a published batch row becomes plain rows, its first event in the row itself and the others in new
 * rows (after every row there is: published rows' order no longer matters). An unpublished batch row would
 * be published out of order that way, so down refuses while one exists (nothing changed): let the relay
 * publish it first.
 */
import { Migration } from '@mikro-orm/migrations';

const TABLES = ['billing_outbox', 'collections_outbox'] as const;

/** Characters at the start of a json batch row's text that the one-form check reads to tell an empty array (Migration20261205004900). */
const EMPTY_TEST_CHARS = 64;

/**
 * The one-form check of outbox `t` over `events` stored as `type`: a plain row, or a batch row of a non-empty
 * array. Here jsonb; json since Migration20261205004900, whose check reads the text's start only. `orForm`: a
 * test of another form a batch row may take (Migration20261206005100's compact form).
 */
export function oneFormCheck(t: string, type: 'json' | 'jsonb', orForm?: string): string {
  const batch =
    type === 'jsonb'
      ? `jsonb_typeof("events") = 'array' and jsonb_array_length("events") > 0`
      : `json_typeof("events") = 'array' and left("events"::text, ${EMPTY_TEST_CHARS}) !~ '^\\s*\\[\\s*\\]'`;
  return `alter table "${t}" add constraint "${t}_one_form" check (
    ("events" is null and "subject" is not null and "payload" is not null)
    or ("events" is not null and "subject" is null and "payload" is null
        and ${orForm === undefined ? batch : `((${batch}) or (${orForm}))`}));`;
}

/** The view of collections' events, one per row, whichever form holds them, over `events` stored as `type` (payload jsonb either way). */
export function collectionsEventView(type: 'json' | 'jsonb'): string {
  const payload = type === 'jsonb' ? `e.x->'payload'` : `(e.x->'payload')::jsonb`;
  return `create view "collections_event" as
  select o.id as row_id, coalesce(e.n, 1) as row_order,
    coalesce(e.x->>'eventId', o.event_id) as event_id, coalesce(e.x->>'subject', o.subject) as subject,
    coalesce(${payload}, o.payload) as payload, o.created_at, o.published_at
  from "collections_outbox" o
  left join lateral ${type}_array_elements(o.events) with ordinality as e(x, n) on true;`;
}

export class Migration20261205004600_outbox_event_batches extends Migration {
  override async up(): Promise<void> {
    for (const t of TABLES) {
      this.addSql(`alter table "${t}" add column "events" jsonb null;`);
      this.addSql(`alter table "${t}" alter column "subject" drop not null, alter column "payload" drop not null;`);
      this.addSql(oneFormCheck(t, 'jsonb'));
    }
    this.addSql(collectionsEventView('jsonb'));
  }

  override async down(): Promise<void> {
    this.addSql(`drop view if exists "collections_event";`);
    for (const t of TABLES) {
      this.addSql(`do $$ declare n bigint; begin
  select count(*) into n from "${t}" where "events" is not null and "published_at" is null;
  if n > 0 then
    raise exception '${t}: % unpublished rows of several events; let the outbox relay publish them, then migrate down', n;
  end if;
end $$;`);
      this.addSql(`insert into "${t}" ("event_id", "subject", "payload", "created_at", "published_at")
  select e.x->>'eventId', e.x->>'subject', e.x->'payload', o."created_at", o."published_at"
  from "${t}" o cross join lateral jsonb_array_elements(o."events") with ordinality as e(x, n)
  where o."events" is not null and e.n > 1
  order by o."id", e.n;`);
      this.addSql(`update "${t}" set "subject" = "events"->0->>'subject', "payload" = "events"->0->'payload', "events" = null
  where "events" is not null;`);
      this.addSql(`alter table "${t}" drop constraint if exists "${t}_one_form";`);
      this.addSql(`alter table "${t}" alter column "subject" set not null, alter column "payload" set not null;`);
      this.addSql(`alter table "${t}" drop column if exists "events";`);
    }
  }
}
