/**
 * billing: the invoicing side. Billing cycles, invoice runs and their shards, draft and
 * issued documents with their lines, number series, deliveries. Written by apps/invoicing only;
 * others learn of it through `ratel.billing.v1` events. Add entities here (`*.entity.ts`), list them in
 * `billingEntities`, and create their tables with a migration in ../migrations.
 */
export const billingEntities = [];

/**
 * Tables of this context written with SQL only (apps/invoicing/src/billing): the invoice runs' state,
 * the code tables, cycles, number series, documents with their lines and taxes, their renditions, the
 * outbox of `ratel.billing.v1` events, and deliveries (apps/invoicing/src/delivery).
 */
export const billingTables = [
  'billing_run',
  'billing_run_step',
  'billing_run_account',
  'billing_cycle_type',
  'billing_cycle_status',
  'billing_document_type',
  'billing_document_status',
  'billing_cycle',
  'number_series',
  'billing_document',
  'billing_document_line',
  'billing_document_tax',
  'billing_outbox',
  'billing_rendition',
  'delivery',
] as const;
