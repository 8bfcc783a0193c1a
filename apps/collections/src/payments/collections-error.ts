/**
 * The error of collections' use cases, with a code each; the REST filter maps codes to HTTP status
 * in one place and the CLI to an exit code. Domain code never throws HTTP exceptions.
 */
export enum CollectionsErrorCode {
  /** A bad parameter or body; `parameter` names it. Nothing was changed. */
  INVALID_ARGUMENT = 'INVALID_ARGUMENT',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  /** The credential lacks the role the route needs (`requiredRole`). */
  FORBIDDEN_ROLE = 'FORBIDDEN_ROLE',
  NOT_FOUND = 'NOT_FOUND',
  /** ERP export: the day's journal changed after it was exported (both hashes given). */
  JOURNAL_CHANGED = 'JOURNAL_CHANGED',
  /** ERP export: ledger accounts the day uses have no GL account in ERP_ACCOUNT_MAP (`unmapped`). */
  UNMAPPED_ACCOUNTS = 'UNMAPPED_ACCOUNTS',
  /** Direct debit: DD_CREDITOR_IBAN and DD_CREDITOR_ID are not set, so no run can be made. */
  DIRECT_DEBIT_NOT_CONFIGURED = 'DIRECT_DEBIT_NOT_CONFIGURED',
  /** The request collides with the state: a card payment already in flight, an idempotency key reused with another request. */
  CONFLICT = 'CONFLICT',
  /** A feature whose server is not configured (the card gateway): nothing was changed. */
  UNAVAILABLE = 'UNAVAILABLE',
  /** An allocation by hand that breaks a rule of the money (`parameter` names what): nothing was changed. */
  ALLOCATION_REFUSED = 'ALLOCATION_REFUSED',
  /** A refund its source cannot give (more than it holds, a suspense payment, a card refund of a bank payment): nothing was changed. */
  REFUND_REFUSED = 'REFUND_REFUSED',
  /** A deposit that cannot be taken (an unknown account, another currency than the account's): nothing was changed. */
  DEPOSIT_REFUSED = 'DEPOSIT_REFUSED',
  /** Four eyes: the person who requested a held refund cannot decide it (`requestedBy`). */
  FOUR_EYES_REQUIRED = 'FOUR_EYES_REQUIRED',
}

export const COLLECTIONS_ERROR_HTTP_STATUS: Readonly<Record<CollectionsErrorCode, number>> = {
  [CollectionsErrorCode.INVALID_ARGUMENT]: 400,
  [CollectionsErrorCode.UNAUTHENTICATED]: 401,
  [CollectionsErrorCode.FORBIDDEN_ROLE]: 403,
  [CollectionsErrorCode.NOT_FOUND]: 404,
  [CollectionsErrorCode.JOURNAL_CHANGED]: 409,
  [CollectionsErrorCode.UNMAPPED_ACCOUNTS]: 422,
  [CollectionsErrorCode.DIRECT_DEBIT_NOT_CONFIGURED]: 503,
  [CollectionsErrorCode.CONFLICT]: 409,
  [CollectionsErrorCode.UNAVAILABLE]: 503,
  [CollectionsErrorCode.ALLOCATION_REFUSED]: 422,
  [CollectionsErrorCode.REFUND_REFUSED]: 422,
  [CollectionsErrorCode.FOUR_EYES_REQUIRED]: 403,
  [CollectionsErrorCode.DEPOSIT_REFUSED]: 422,
};

export class CollectionsError extends Error {
  constructor(
    readonly code: CollectionsErrorCode,
    message: string,
    readonly details: { parameter?: string; [key: string]: unknown } = {},
  ) {
    super(message);
    this.name = 'CollectionsError';
  }

  static invalid(parameter: string, message: string): CollectionsError {
    return new CollectionsError(CollectionsErrorCode.INVALID_ARGUMENT, `${parameter}: ${message}`, { parameter });
  }

  static conflict(message: string, details: Record<string, unknown> = {}): CollectionsError {
    return new CollectionsError(CollectionsErrorCode.CONFLICT, message, details);
  }

  static notFound(what: string): CollectionsError {
    return new CollectionsError(CollectionsErrorCode.NOT_FOUND, `${what} not found`);
  }
}
