/**
 * Review, rendering, delivery and report of invoice runs:
 * - billing_run: the run-level anomalies VALIDATE found and the cycle report REPORT wrote;
 * - billing_document: who approved a held draft, when (an approved draft is not held again);
 * - billing_rendition: the rendered files of a document (PDF, UBL) in the document store, by key
 *   and digest (an issued document never changes, so its renditions live beside it);
 * - billing_delivery: one row per document and channel, its status and attempts; the key
 *   (document, channel) is what makes a delivery happen once.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261203000700_run_review extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "billing_run" add column "anomalies" jsonb not null default '[]', add column "report" jsonb null;`);
    this.addSql(`alter table "billing_document" add column "approved_by" varchar(200) null, add column "approved_at" timestamptz null;`);
    this.addSql(`create table "billing_rendition" (
  "document_id" varchar(64) not null references "billing_document" ("id"),
  "kind" varchar(8) not null check ("kind" in ('PDF', 'UBL')),
  "storage_key" varchar(256) not null,
  "sha256" char(64) not null,
  "bytes" int not null check ("bytes" > 0),
  "created_at" timestamptz not null,
  primary key ("document_id", "kind")
);`);
    this.addSql(`create table "billing_delivery" (
  "document_id" varchar(64) not null references "billing_document" ("id"),
  "channel" varchar(8) not null check ("channel" in ('EMAIL', 'SMS', 'PORTAL')),
  "recipient" varchar(254) not null,
  "status" varchar(8) not null check ("status" in ('PENDING', 'SENDING', 'SENT', 'FAILED', 'BOUNCED')),
  "attempts" int not null default 0,
  "next_attempt_at" timestamptz not null,
  "last_error" text null,
  "message_id" varchar(256) not null,
  "created_at" timestamptz not null,
  "updated_at" timestamptz not null,
  "sent_at" timestamptz null,
  primary key ("document_id", "channel")
);`);
    this.addSql(`create index "billing_delivery_due" on "billing_delivery" ("next_attempt_at") where "status" in ('PENDING', 'SENDING');`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "billing_delivery";`);
    this.addSql(`drop table if exists "billing_rendition";`);
    this.addSql(`alter table "billing_document" drop column "approved_at", drop column "approved_by";`);
    this.addSql(`alter table "billing_run" drop column "report", drop column "anomalies";`);
  }
}
