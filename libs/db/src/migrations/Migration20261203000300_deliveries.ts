/**
 * Deliveries (billing context, written by apps/invoicing): one row per subject (a billing document
 * or a subscriber notification) and channel, sent by the delivery worker.
 *
 * - `idempotency_key` (subject id + channel) is UNIQUE: enqueueing the same delivery again does nothing,
 *   so each document and channel, and each notification, is delivered through one row only.
 * - A worker claims due PENDING rows with `FOR UPDATE SKIP LOCKED` and a lease (`lease_owner`,
 *   `lease_expires_at`); before it calls the provider it records `sending_at` in its own commit, so a
 *   worker that restarts after a crash knows the send may have happened (in doubt) and does not treat
 *   the row as never tried.
 * - `payload` holds what is sent (subject, text, the document's storage key and file name), rendered
 *   when the row is written, so a retry sends the same bytes.
 */
import { Migration } from '@mikro-orm/migrations';

const UP: readonly string[] = [
  `create table "delivery" (
  "id" varchar(64) not null,
  "subject_kind" varchar(16) not null check ("subject_kind" in ('DOCUMENT', 'NOTIFICATION')),
  "subject_id" varchar(128) not null,
  "channel" varchar(16) not null check ("channel" in ('EMAIL', 'SMS', 'PORTAL', 'WEBHOOK')),
  "recipient" varchar(512) not null,
  "payload" jsonb not null,
  "status" varchar(16) not null check ("status" in ('PENDING', 'SENT', 'FAILED', 'BOUNCED')),
  "attempts" int not null default 0 check ("attempts" >= 0),
  "next_attempt_at" timestamptz not null,
  "sending_at" timestamptz null,
  "lease_owner" varchar(128) null,
  "lease_expires_at" timestamptz null,
  "last_error" text null,
  "provider_message_id" varchar(512) null,
  "idempotency_key" varchar(160) not null,
  "created_at" timestamptz not null,
  "updated_at" timestamptz not null,
  "sent_at" timestamptz null,
  constraint "delivery_pkey" primary key ("id"),
  constraint "delivery_idempotency_key_unique" unique ("idempotency_key")
);`,
  `create index "delivery_due_index" on "delivery" ("next_attempt_at") where "status" = 'PENDING';`,
  `create index "delivery_subject_index" on "delivery" ("subject_id", "channel");`,
];

export class Migration20261203000300_deliveries extends Migration {
  override async up(): Promise<void> {
    for (const sql of UP) this.addSql(sql);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "delivery";');
  }
}
