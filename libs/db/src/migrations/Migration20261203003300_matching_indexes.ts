/**
 * Matching looks documents up by their RF payment reference and by their number alone (collections'
 * applier, rules 1 and 2: apps/collections/src/matching/apply-payment.ts). Without these indexes each
 * lookup scanned billing_document: at a million documents, one scan per payment received.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261203003300_matching_indexes extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create index "billing_document_payment_reference" on "billing_document" ("payment_reference") where "payment_reference" is not null;`,
    );
    this.addSql(`create index "billing_document_number_text_only" on "billing_document" ("number_text") where "number_text" is not null;`);
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists "billing_document_number_text_only";');
    this.addSql('drop index if exists "billing_document_payment_reference";');
  }
}
