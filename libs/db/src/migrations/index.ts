/**
 * Every migration, in order. Listed explicitly (not found by a glob) so they run the same from
 * ts-node, ts-jest and compiled JavaScript. Append new ones; never edit an applied one.
 */
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20260101000000_initial } from './Migration20260101000000_initial';
import { Migration20261122000000_balance_journal } from './Migration20261122000000_balance_journal';
import { Migration20261122000001_journal_stream_identity } from './Migration20261122000001_journal_stream_identity';
import { Migration20261202000000_parked_events_and_projection_failures } from './Migration20261202000000_parked_events_and_projection_failures';
import { Migration20261203000000_billing_catalog } from './Migration20261203000000_billing_catalog';
import { Migration20261203000200_billing_runs } from './Migration20261203000200_billing_runs';
import { Migration20261203000300_deliveries } from './Migration20261203000300_deliveries';
import { Migration20261203000400_run_watermarks } from './Migration20261203000400_run_watermarks';
import { Migration20261203000500_billing_documents } from './Migration20261203000500_billing_documents';
import { Migration20261203000700_run_review } from './Migration20261203000700_run_review';
import { Migration20261203000800_postal_addresses } from './Migration20261203000800_postal_addresses';
import { Migration20261203000900_prepaid_renewals } from './Migration20261203000900_prepaid_renewals';
import { Migration20261203001000_collections_payments } from './Migration20261203001000_collections_payments';
import { Migration20261203001100_lifecycle_account_index } from './Migration20261203001100_lifecycle_account_index';
import { Migration20261203001200_series_prefix } from './Migration20261203001200_series_prefix';
import { Migration20261203001400_card_payments } from './Migration20261203001400_card_payments';
import { Migration20261203001800_electronic_addresses } from './Migration20261203001800_electronic_addresses';
import { Migration20261203001900_erp_journal_exports } from './Migration20261203001900_erp_journal_exports';
import { Migration20261203002100_direct_debit } from './Migration20261203002100_direct_debit';
import { Migration20261203002200_dunning } from './Migration20261203002200_dunning';
import { Migration20261203002600_document_part_references } from './Migration20261203002600_document_part_references';
import { Migration20261203002700_statement_import_heartbeat } from './Migration20261203002700_statement_import_heartbeat';
import { Migration20261203002800_allocation_by_hand } from './Migration20261203002800_allocation_by_hand';
import { Migration20261203002900_refunds } from './Migration20261203002900_refunds';
import { Migration20261203003000_collections_outbox } from './Migration20261203003000_collections_outbox';
import { Migration20261203003100_deposits } from './Migration20261203003100_deposits';
import { Migration20261203003200_dunning_notice_deliveries } from './Migration20261203003200_dunning_notice_deliveries';
import { Migration20261203003300_matching_indexes } from './Migration20261203003300_matching_indexes';
import { Migration20261204003400_card_chargebacks } from './Migration20261204003400_card_chargebacks';
import { Migration20261204003500_statement_ledger_checks } from './Migration20261204003500_statement_ledger_checks';
import { Migration20261204003600_soft_barred_status } from './Migration20261204003600_soft_barred_status';
import { Migration20261204003700_credit_note_applications } from './Migration20261204003700_credit_note_applications';
import { Migration20261204003800_top_up_refunds } from './Migration20261204003800_top_up_refunds';
import { Migration20261204003900_partial_chargebacks } from './Migration20261204003900_partial_chargebacks';
import { Migration20261204004000_top_up_reversals } from './Migration20261204004000_top_up_reversals';
import { Migration20261204004100_top_up_chargebacks } from './Migration20261204004100_top_up_chargebacks';
import { Migration20261204004200_document_guard_by_fields } from './Migration20261204004200_document_guard_by_fields';
import { Migration20261204004300_dunning_case_refs_per_statement } from './Migration20261204004300_dunning_case_refs_per_statement';
import { Migration20261204004400_document_paid_hot } from './Migration20261204004400_document_paid_hot';
import { Migration20261205004500_payment_refs_per_statement } from './Migration20261205004500_payment_refs_per_statement';
import { Migration20261205004600_outbox_event_batches } from './Migration20261205004600_outbox_event_batches';
import { Migration20261205004700_payment_sums_per_transaction } from './Migration20261205004700_payment_sums_per_transaction';
import { Migration20261205004800_outbox_events_lz4 } from './Migration20261205004800_outbox_events_lz4';
import { Migration20261205004900_outbox_events_json } from './Migration20261205004900_outbox_events_json';
import { Migration20261205005000_document_status_check } from './Migration20261205005000_document_status_check';
import { Migration20261206005100_outbox_payments_received } from './Migration20261206005100_outbox_payments_received';
import { Migration20261206005200_payment_sums_inserted_here } from './Migration20261206005200_payment_sums_inserted_here';
import { Migration20261206005300_payment_key_reference_first } from './Migration20261206005300_payment_key_reference_first';

export const MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20260101000000_initial', class: Migration20260101000000_initial },
  { name: 'Migration20261122000000_balance_journal', class: Migration20261122000000_balance_journal },
  { name: 'Migration20261122000001_journal_stream_identity', class: Migration20261122000001_journal_stream_identity },
  {
    name: 'Migration20261202000000_parked_events_and_projection_failures',
    class: Migration20261202000000_parked_events_and_projection_failures,
  },
  { name: 'Migration20261203000000_billing_catalog', class: Migration20261203000000_billing_catalog },
  { name: 'Migration20261203000200_billing_runs', class: Migration20261203000200_billing_runs },
  { name: 'Migration20261203000300_deliveries', class: Migration20261203000300_deliveries },
  { name: 'Migration20261203000400_run_watermarks', class: Migration20261203000400_run_watermarks },
  { name: 'Migration20261203000500_billing_documents', class: Migration20261203000500_billing_documents },
  { name: 'Migration20261203000700_run_review', class: Migration20261203000700_run_review },
  { name: 'Migration20261203000800_postal_addresses', class: Migration20261203000800_postal_addresses },
  { name: 'Migration20261203000900_prepaid_renewals', class: Migration20261203000900_prepaid_renewals },
  { name: 'Migration20261203001000_collections_payments', class: Migration20261203001000_collections_payments },
  { name: 'Migration20261203001100_lifecycle_account_index', class: Migration20261203001100_lifecycle_account_index },
  { name: 'Migration20261203001200_series_prefix', class: Migration20261203001200_series_prefix },
  { name: 'Migration20261203001400_card_payments', class: Migration20261203001400_card_payments },
  { name: 'Migration20261203001800_electronic_addresses', class: Migration20261203001800_electronic_addresses },
  { name: 'Migration20261203001900_erp_journal_exports', class: Migration20261203001900_erp_journal_exports },
  { name: 'Migration20261203002100_direct_debit', class: Migration20261203002100_direct_debit },
  { name: 'Migration20261203002200_dunning', class: Migration20261203002200_dunning },
  { name: 'Migration20261203002600_document_part_references', class: Migration20261203002600_document_part_references },
  { name: 'Migration20261203002700_statement_import_heartbeat', class: Migration20261203002700_statement_import_heartbeat },
  { name: 'Migration20261203002800_allocation_by_hand', class: Migration20261203002800_allocation_by_hand },
  { name: 'Migration20261203002900_refunds', class: Migration20261203002900_refunds },
  { name: 'Migration20261203003000_collections_outbox', class: Migration20261203003000_collections_outbox },
  { name: 'Migration20261203003100_deposits', class: Migration20261203003100_deposits },
  { name: 'Migration20261203003200_dunning_notice_deliveries', class: Migration20261203003200_dunning_notice_deliveries },
  { name: 'Migration20261203003300_matching_indexes', class: Migration20261203003300_matching_indexes },
  { name: 'Migration20261204003400_card_chargebacks', class: Migration20261204003400_card_chargebacks },
  { name: 'Migration20261204003500_statement_ledger_checks', class: Migration20261204003500_statement_ledger_checks },
  { name: 'Migration20261204003600_soft_barred_status', class: Migration20261204003600_soft_barred_status },
  { name: 'Migration20261204003700_credit_note_applications', class: Migration20261204003700_credit_note_applications },
  { name: 'Migration20261204003800_top_up_refunds', class: Migration20261204003800_top_up_refunds },
  { name: 'Migration20261204003900_partial_chargebacks', class: Migration20261204003900_partial_chargebacks },
  { name: 'Migration20261204004000_top_up_reversals', class: Migration20261204004000_top_up_reversals },
  { name: 'Migration20261204004100_top_up_chargebacks', class: Migration20261204004100_top_up_chargebacks },
  { name: 'Migration20261204004200_document_guard_by_fields', class: Migration20261204004200_document_guard_by_fields },
  { name: 'Migration20261204004300_dunning_case_refs_per_statement', class: Migration20261204004300_dunning_case_refs_per_statement },
  { name: 'Migration20261204004400_document_paid_hot', class: Migration20261204004400_document_paid_hot },
  { name: 'Migration20261205004500_payment_refs_per_statement', class: Migration20261205004500_payment_refs_per_statement },
  { name: 'Migration20261205004600_outbox_event_batches', class: Migration20261205004600_outbox_event_batches },
  { name: 'Migration20261205004700_payment_sums_per_transaction', class: Migration20261205004700_payment_sums_per_transaction },
  { name: 'Migration20261205004800_outbox_events_lz4', class: Migration20261205004800_outbox_events_lz4 },
  { name: 'Migration20261205004900_outbox_events_json', class: Migration20261205004900_outbox_events_json },
  { name: 'Migration20261205005000_document_status_check', class: Migration20261205005000_document_status_check },
  { name: 'Migration20261206005100_outbox_payments_received', class: Migration20261206005100_outbox_payments_received },
  { name: 'Migration20261206005200_payment_sums_inserted_here', class: Migration20261206005200_payment_sums_inserted_here },
  { name: 'Migration20261206005300_payment_key_reference_first', class: Migration20261206005300_payment_key_reference_first },
];
