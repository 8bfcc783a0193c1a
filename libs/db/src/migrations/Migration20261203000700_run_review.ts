/**
 * Review, rendering and report of invoice runs (deliveries are in the `delivery` table, migration
 * 20261203000300):
 * - billing_run: the run-level anomalies VALIDATE found and the cycle report REPORT wrote;
 * - billing_document: who approved a held draft, when (an approved draft is not held again);
 * - billing_rendition: the rendered files of a document (PDF, UBL) in the document store, by key
 *   and digest (an issued document never changes, so its renditions live beside it);
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
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "billing_rendition";`);
    this.addSql(`alter table "billing_document" drop column "approved_at", drop column "approved_by";`);
    this.addSql(`alter table "billing_run" drop column "report", drop column "anomalies";`);
  }
}
