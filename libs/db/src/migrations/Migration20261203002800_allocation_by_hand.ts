/**
 * Allocation by hand (issue 10): a payment of the suspense queue given to an account, or account
 * credit spent on documents, by an operator (apps/collections src/matching/allocate-by-hand.ts). The
 * payment's match rule of a suspense payment allocated so is BY_HAND; the ledger transaction is
 * PAYMENT_ALLOCATED, keyed by the operator's idempotency key; the audit log says who. Manual payments
 * (cash, cheque, a transfer booked by hand, entered through REST: src/payments/manual-payment.ts) are
 * payments of channel MANUAL.
 */
import { Migration } from '@mikro-orm/migrations';

const CHANNELS_BEFORE = `'BANK_TRANSFER', 'DIRECT_DEBIT', 'CARD', 'WRITE_OFF'`;
const RULES_BEFORE = `'RF_REFERENCE', 'DOCUMENT_NUMBER', 'ACCOUNT_EXACT_AMOUNT', 'ACCOUNT_OLDEST_FIRST'`;

export class Migration20261203002800_allocation_by_hand extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "payment" drop constraint "payment_match_rule_check";`);
    this.addSql(`alter table "payment" add constraint "payment_match_rule_check" check ("match_rule" in (${RULES_BEFORE}, 'BY_HAND'));`);
    this.addSql(`alter table "payment" drop constraint "payment_channel_check";`);
    this.addSql(`alter table "payment" add constraint "payment_channel_check" check ("channel" in (${CHANNELS_BEFORE}, 'MANUAL'));`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "payment" drop constraint "payment_channel_check";`);
    this.addSql(`alter table "payment" add constraint "payment_channel_check" check ("channel" in (${CHANNELS_BEFORE}));`);
    this.addSql(`update "payment" set "match_rule" = null where "match_rule" = 'BY_HAND';`);
    this.addSql(`alter table "payment" drop constraint "payment_match_rule_check";`);
    this.addSql(`alter table "payment" add constraint "payment_match_rule_check" check ("match_rule" in (${RULES_BEFORE}));`);
  }
}
