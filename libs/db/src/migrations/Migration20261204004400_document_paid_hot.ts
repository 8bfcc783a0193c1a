/**
 * A payment moves a document's paid amount and status as a heap-only (HOT) update (issue 10, matching
 * 1M entries in 60 s).
 *
 * pg_stat_statements over a 50,000-entry camt.053 import: the update of the documents' paid amount and
 * status took 52 µs a document, the largest statement of the import. Every one of them was a full
 * update: `status` is a column of the index `billing_document_run`, so each paid document wrote a new
 * entry into all nine indexes of the table. Now:
 *
 * - **`billing_document_run` is (run_id, account_id)**: the invoice run's phases read a run's documents
 *   in account order and filter on status row by row (they read most of the run's documents in any
 *   case; a month's run looking for its few HELD ones reads the run once). No index of billing_document
 *   names `status`, `paid_minor` or `updated_at`, the columns a payment changes.
 * - **fillfactor 85**: a page keeps room for the new version of its rows, so the update stays on the page
 *   (a HOT update needs both). Documents are written once by invoicing and updated a few times after.
 *
 * Measured in the same bench, same hour: the update from 52 to 15 µs a document, every one HOT
 * (pg_stat_user_tables.n_tup_hot_upd = n_tup_upd); RESULTS.md, "Matching, fourth round".
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261204004400_document_paid_hot extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop index "billing_document_run";`);
    this.addSql(`create index "billing_document_run" on "billing_document" ("run_id", "account_id" collate "C");`);
    // Applies to pages written from now on (existing pages fill up as rows are updated and vacuumed).
    this.addSql(`alter table "billing_document" set (fillfactor = 85);`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "billing_document" reset (fillfactor);`);
    this.addSql(`drop index "billing_document_run";`);
    this.addSql(`create index "billing_document_run" on "billing_document" ("run_id", "status", "account_id" collate "C");`);
  }
}
