/** Enumerations stored as TEXT with a CHECK constraint (see the migrations). */
export const ACCOUNT_TYPES = ['PREPAID', 'POSTPAID'] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];

/** SOFT_BARRED: outgoing barred (dunning's soft bar), only free services; see charging's balance-engine.port.ts. */
export const ACCOUNT_STATUSES = ['ACTIVE', 'SOFT_BARRED', 'BARRED', 'CLOSED'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

export const LEDGER_KINDS = ['INITIAL', 'TOPUP', 'ADJUSTMENT'] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];
import { ACCOUNT_ID_MAX_LENGTH, ACCOUNT_ID_PATTERN } from '@app/events';

export const USAGE_UNITS = ['SECONDS', 'BYTES', 'EVENTS'] as const;
export type UsageUnit = (typeof USAGE_UNITS)[number];

/** Identifier of every provisioned object; the balance engine accepts the same alphabet for account ids. */
export const ID_PATTERN = ACCOUNT_ID_PATTERN;
export const ID_MAX_LENGTH = ACCOUNT_ID_MAX_LENGTH;
/** Largest amount of money the balance engine holds exactly (2^53 - 1 micros); the CHECK constraints use it too. */
export { AMOUNT_MAX_MICROS } from '@app/money';
