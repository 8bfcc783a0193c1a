/**
 * The outbox of collections' events (`ratel.collections.v1`, contract @app/events collections-event.ts):
 * rows written by apps/collections in the transaction of the change (a payment received, allocated or
 * returned; a dunning step taken), published in order to the RATEL_COLLECTIONS stream by the shared
 * PgOutboxRelay, which sets `published_at` after JetStream's ack. Same shape as billing_outbox.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261203003000_collections_outbox extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "collections_outbox" (
  "id" bigserial primary key,
  "event_id" varchar(64) not null unique,
  "subject" text not null,
  "payload" jsonb not null,
  "created_at" timestamptz not null,
  "published_at" timestamptz null
);`);
    this.addSql(`create index "collections_outbox_unpublished" on "collections_outbox" ("id") where "published_at" is null;`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "collections_outbox";');
  }
}
