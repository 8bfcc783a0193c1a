/**
 * billing: the invoicing side (empty today). Billing cycles, invoice runs and their shards, draft and
 * issued documents with their lines, number series, deliveries. Written by apps/invoicing only;
 * others learn of it through `ratel.billing.v1` events. Add entities here (`*.entity.ts`), list them in
 * `billingEntities`, and create their tables with a migration in ../migrations.
 */
export const billingEntities = [];

/**
 * Tables of this context written with SQL only: the invoice runs' state (apps/invoicing/src/billing/run)
 * and deliveries (apps/invoicing/src/delivery).
 */
export const billingTables = ['billing_run', 'billing_run_step', 'billing_run_account', 'delivery'] as const;
