/**
 * ledger: the double-entry receivables ledger Transactions of postings that sum to zero,
 * never updated, only reversed. Written by apps/invoicing (issued documents) and apps/collections
 * (payments, refunds). Not to be confused with `ledger_entry` of the provisioning context, charging's
 * prepaid ledger of opening balances and top-ups: name these tables `ledger_transaction`/`ledger_posting`.
 */
export const ledgerEntities = [];

/** Tables of this context written with SQL only: transactions and their signed postings (apps/invoicing/src/billing/ledger). */
export const ledgerTables = ['ledger_transaction', 'ledger_posting'] as const;
