/**
 * What a bank statement parser yields, entry by entry, whatever the format: a payment received, an
 * entry that is not one (a debit, a pending entry: skipped with the reason), or an entry or file
 * refused with the element path or line and the reason. The import records each.
 */
export const STATEMENT_FORMATS = ['CAMT_053', 'CAMT_054', 'MT940'] as const;
export type StatementFormat = (typeof STATEMENT_FORMATS)[number];

/**
 * MANUAL: entered by an operator through REST (cash, cheque, a transfer booked by hand: manual-payment.ts).
 * DEPOSIT: a deposit applied to the account's documents (deposits/deposits.ts): its cash comes from DEPOSITS_HELD, not the bank.
 */
export const PAYMENT_CHANNELS = ['BANK_TRANSFER', 'DIRECT_DEBIT', 'CARD', 'MANUAL', 'DEPOSIT'] as const;
export type PaymentChannel = (typeof PAYMENT_CHANNELS)[number];

/** Where in the file: an element path (camt) and/or a line. */
export interface FilePosition {
  element?: string;
  line?: number;
}

export interface ReceivedPayment extends FilePosition {
  kind: 'payment';
  channel: PaymentChannel;
  /** The account the statement is for (its IBAN or the bank's account id): part of the idempotency key. */
  source: string;
  /** The bank's own reference of the entry (or of the transaction in a batch entry). */
  bankReference: string;
  currency: string;
  amountMinor: bigint;
  /** YYYY-MM-DD */
  valueDate: string;
  bookingDate: string | null;
  endToEndId: string | null;
  /** Structured creditor references (ISO 11649 RF references as the payer gave them). */
  creditorReferences: readonly string[];
  /** Unstructured remittance text, lines joined by a space. */
  remittanceInfo: string;
  debtorName: string | null;
}

export interface SkippedEntry extends FilePosition {
  kind: 'skipped';
  reason: string;
}

export interface RejectedEntry extends FilePosition {
  kind: 'rejected';
  reason: string;
  /** The file as a whole is refused from here (not well-formed, not a statement): nothing after it is read. */
  wholeFile?: true;
}

export type StatementItem = ReceivedPayment | SkippedEntry | RejectedEntry;

/** Longest account id of a statement kept (payment.source); a longer one is refused with the entry. */
export const SOURCE_MAX_LENGTH = 64;
/** Longest bank reference kept (payment.bank_reference). */
export const BANK_REFERENCE_MAX_LENGTH = 140;
/** Longest remittance text kept; longer text is refused with the entry. */
export const REMITTANCE_INFO_MAX_LENGTH = 2_000;
