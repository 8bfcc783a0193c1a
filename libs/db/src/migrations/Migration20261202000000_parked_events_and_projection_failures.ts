/**
 * Two places where the charging app records what it cannot apply, instead of retrying it for ever:
 *
 * - `journal_parked_event`: rated events the balance journal cannot apply (not a valid
 *   ratel.rated.v1, or breaking a journal limit: an amount beyond the engine's maximum...). The
 *   journal parks each with its reason in the transaction that moves its position past it, so the
 *   stream goes on and an event is parked once even when delivered again. Keyed by the stream
 *   incarnation (its creation time) and sequence; the payload is kept as received (bytes).
 *   `journal_position.events_parked` counts them.
 * - `projection_failure`: a committed write the balance engine refuses for good (a top-up whose
 *   credit the engine answers LIMIT_EXCEEDED or ACCOUNT_CLOSED); the top-up reconciler skips it
 *   and an operator resolves it (README "Projection failures"), then deletes the row.
 */
import { Migration } from '@mikro-orm/migrations';

const UP: readonly string[] = [
  `create table "journal_parked_event" (
  "stream" varchar(64) not null,
  "stream_created" varchar(40) not null,
  "stream_seq" bigint not null check ("stream_seq" >= 1),
  "account_id" varchar(64) null,
  "event_id" varchar(64) null,
  "subject" varchar(255) not null,
  "reason" varchar(32) not null,
  "detail" text not null,
  "payload" bytea not null,
  "parked_at" timestamptz not null,
  constraint "journal_parked_event_pkey" primary key ("stream", "stream_created", "stream_seq")
);`,
  `create index "journal_parked_event_parked_at_index" on "journal_parked_event" ("parked_at");`,
  `alter table "journal_position" add column "events_parked" bigint not null default 0;`,
  `create table "projection_failure" (
  "kind" varchar(16) not null check ("kind" in ('TOP_UP')),
  "resource_id" varchar(64) not null,
  "account_id" varchar(64) not null,
  "code" varchar(40) not null,
  "message" text not null,
  "failed_at" timestamptz not null,
  constraint "projection_failure_pkey" primary key ("kind", "resource_id")
);`,
  `create index "projection_failure_account_id_index" on "projection_failure" ("account_id");`,
];

export class Migration20261202000000_parked_events_and_projection_failures extends Migration {
  override async up(): Promise<void> {
    for (const sql of UP) this.addSql(sql);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "projection_failure";');
    this.addSql('alter table "journal_position" drop column if exists "events_parked";');
    this.addSql('drop table if exists "journal_parked_event";');
  }
}
