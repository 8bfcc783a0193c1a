/** Errors of the billing documents API (review queue, notes, portal), mapped to HTTP in one place. */
export enum BillingErrorCode {
  INVALID_ARGUMENT = 'INVALID_ARGUMENT',
  DOCUMENT_NOT_FOUND = 'DOCUMENT_NOT_FOUND',
  /** The document is not in a state the operation applies to (approve a draft that is not HELD, credit a draft). */
  WRONG_STATUS = 'WRONG_STATUS',
  /** An issued document never changes; corrections are credit or debit notes. */
  DOCUMENT_IMMUTABLE = 'DOCUMENT_IMMUTABLE',
  /** Credit notes would credit more than is left of the invoice. */
  CREDIT_LIMIT_EXCEEDED = 'CREDIT_LIMIT_EXCEEDED',
  /** The same idempotency key was used for a different request. */
  IDEMPOTENCY_KEY_REUSED = 'IDEMPOTENCY_KEY_REUSED',
  /** The document's file is not rendered yet. */
  NOT_RENDERED = 'NOT_RENDERED',
  ACCOUNT_NOT_FOUND = 'ACCOUNT_NOT_FOUND',
  /** The account is not invoiced: prepaid, without a billing cycle type, or with billing terms the computation refuses. */
  NOT_INVOICED = 'NOT_INVOICED',
  /** RENDER recorded why the document has no UBL e-invoice (a party without a postal address, content EN 16931 cannot say). */
  UBL_NOT_AVAILABLE = 'UBL_NOT_AVAILABLE',
  CYCLE_NOT_FOUND = 'CYCLE_NOT_FOUND',
  /** A cycle type with this code exists (the code table is append-only through the API). */
  CYCLE_TYPE_EXISTS = 'CYCLE_TYPE_EXISTS',
}

export const BILLING_ERROR_HTTP_STATUS: Readonly<Record<BillingErrorCode, number>> = {
  [BillingErrorCode.INVALID_ARGUMENT]: 400,
  [BillingErrorCode.DOCUMENT_NOT_FOUND]: 404,
  [BillingErrorCode.WRONG_STATUS]: 422,
  [BillingErrorCode.DOCUMENT_IMMUTABLE]: 422,
  [BillingErrorCode.CREDIT_LIMIT_EXCEEDED]: 422,
  [BillingErrorCode.IDEMPOTENCY_KEY_REUSED]: 422,
  [BillingErrorCode.NOT_RENDERED]: 409,
  [BillingErrorCode.ACCOUNT_NOT_FOUND]: 404,
  [BillingErrorCode.NOT_INVOICED]: 422,
  [BillingErrorCode.UBL_NOT_AVAILABLE]: 422,
  [BillingErrorCode.CYCLE_NOT_FOUND]: 404,
  [BillingErrorCode.CYCLE_TYPE_EXISTS]: 409,
};

export class BillingError extends Error {
  constructor(
    readonly code: BillingErrorCode,
    message: string,
    readonly parameter?: string,
  ) {
    super(message);
    this.name = 'BillingError';
  }

  static invalid(parameter: string, message: string): BillingError {
    return new BillingError(BillingErrorCode.INVALID_ARGUMENT, `${parameter}: ${message}`, parameter);
  }
}
