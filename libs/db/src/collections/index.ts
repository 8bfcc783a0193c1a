/**
 * collections: the money coming in. Payments, allocations to documents, mandates,
 * refunds and their approvals, dunning cases. Written by apps/collections only; others learn of it
 * through `ratel.collections.v1` events. Add entities here and list them in `collectionsEntities`.
 */
export const collectionsEntities = [];

/**
 * Tables of this context written with SQL only (apps/collections): payments in, their allocations to
 * billing documents, the bank statement imports with their rejected entries, mandates and direct debits,
 * dunning, card payments, and refunds with their credit-transfer batches.
 */
export const collectionsTables = [
  'payment',
  'payment_allocation',
  'bank_statement_import',
  'bank_statement_rejection',
  'erp_journal_export',
  'sepa_mandate',
  'dd_run',
  'dd_instruction',
  'dd_return',
  'payment_allocation_reversal',
  /** The payments a statement touched, checked at commit and gone with it (Migration20261205004700). */
  'payment_sum_pending',
  'dunning_policy',
  'dunning_step',
  'dunning_account',
  'dunning_case',
  'dunning_action',
  'dunning_notice',
  'document_dispute',
  'card_token',
  'card_payment',
  'card_webhook_event',
  'refund',
  'credit_transfer_batch',
  'collections_outbox',
  /** A view: collections_outbox's events one per row, whichever form holds them (Migration20261205004600). */
  'collections_event',
  'deposit',
  'credit_note_application',
] as const;
