/**
 * A payment moves a document's paid amount and status as a heap-only (HOT) update (issue 10, matching
 * 1M entries in 60 s).
 *
 * pg_stat_statements over a 50,000-entry camt.053 import: the update of the documents' paid amount and
 * status took 52 µs a document, the largest statement of the import. Every one of them was a full
 * update: `status` was a column of the index `billing_document_run`, so each paid document wrote a new
 * entry into all nine indexes of the table. Now `billing_document_run` is (run_id, account_id): the invoice
 * run's phases read a run's documents in account order and filter on status row by row (they read most of
 * the run's documents in any case; a month's run looking for its few HELD ones reads the run once). No
 * index of billing_document names `status`, `paid_minor` or `updated_at`, the columns a payment changes, so
 * the update stays on its page when the page has room (HOT).
 *
 * After a real invoice run (drafts computed, then finalized: an update that moves the row) and payments in
 * batches of 500, 88 % of the payments' updates were HOT (the room left by the finalized drafts' old
 * versions). A fillfactor of 85 made it 99.8 %, but FINALIZE at 1M documents took 126 s instead of 95-106 s
 * (its moved rows spread over every page with room): not kept. RESULTS.md, "Matching, fourth round".
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261204004400_document_paid_hot extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop index "billing_document_run";`);
    this.addSql(`create index "billing_document_run" on "billing_document" ("run_id", "account_id" collate "C");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "billing_document_run";`);
    this.addSql(`create index "billing_document_run" on "billing_document" ("run_id", "status", "account_id" collate "C");`);
  }
}
