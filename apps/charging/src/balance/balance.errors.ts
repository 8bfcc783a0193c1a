/**
 * Domain errors of the balance engine. Transport filters map the codes to gRPC / HTTP statuses;
 * nothing here knows about transports. Business answers (credit limit reached, unknown user...)
 * are result codes, not errors: an error means the request was not processed and changed nothing.
 */
export const BalanceErrorCode = {
  /** A field is malformed or out of range. */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** A value is within the field's syntax but beyond an engine limit (units, amounts, 2^53 - 1). */
  LIMIT_EXCEEDED: 'LIMIT_EXCEEDED',
  /** The idempotency key (session + request number, requestId, bucketId) was used with other content. */
  DUPLICATE_MISMATCH: 'DUPLICATE_MISMATCH',
  /** A request number at or below the last processed one of its session, with no stored answer. */
  OUT_OF_SEQUENCE: 'OUT_OF_SEQUENCE',
  /** Provisioning or top-up of an account that does not exist. */
  ACCOUNT_NOT_FOUND: 'ACCOUNT_NOT_FOUND',
  /** Top-up of a closed account. */
  ACCOUNT_CLOSED: 'ACCOUNT_CLOSED',
  /** An account's currency cannot change. */
  CURRENCY_MISMATCH: 'CURRENCY_MISMATCH',
  /** A prepaid-only operation (a renewal) on a postpaid account. */
  NOT_PREPAID: 'NOT_PREPAID',
  /** The debit was already refunded by another request. */
  ALREADY_REFUNDED: 'ALREADY_REFUNDED',
  /** Redis or a script failed in a way that is not a domain answer (a bug or an outage). */
  ENGINE_FAILURE: 'ENGINE_FAILURE',
} as const;

export type BalanceErrorCode = (typeof BalanceErrorCode)[keyof typeof BalanceErrorCode];

export class BalanceError extends Error {
  constructor(
    readonly code: BalanceErrorCode,
    message: string,
    /** The offending field, for INVALID_ARGUMENT and LIMIT_EXCEEDED. */
    readonly field?: string,
  ) {
    super(field ? `${code}: ${field}: ${message}` : `${code}: ${message}`);
    this.name = 'BalanceError';
  }
}

/** Error replies of the scripts start with their code (see each script's header). */
const SCRIPT_ERRORS: Record<string, BalanceErrorCode> = {
  DUPLICATE_MISMATCH: BalanceErrorCode.DUPLICATE_MISMATCH,
  OUT_OF_SEQUENCE: BalanceErrorCode.OUT_OF_SEQUENCE,
  ALREADY_REFUNDED: BalanceErrorCode.ALREADY_REFUNDED,
  LIMIT_EXCEEDED: BalanceErrorCode.LIMIT_EXCEEDED,
  USER_UNKNOWN: BalanceErrorCode.ACCOUNT_NOT_FOUND,
  ACCOUNT_CLOSED: BalanceErrorCode.ACCOUNT_CLOSED,
  CURRENCY_MISMATCH: BalanceErrorCode.CURRENCY_MISMATCH,
  NOT_PREPAID: BalanceErrorCode.NOT_PREPAID,
};

/** Maps a script's error reply to a BalanceError; anything else becomes ENGINE_FAILURE. */
export function fromScriptError(script: string, err: unknown): BalanceError {
  const message = err instanceof Error ? err.message : String(err);
  const code = /^([A-Z_]+)\s/.exec(message)?.[1];
  const mapped = code ? SCRIPT_ERRORS[code] : undefined;
  if (mapped) return new BalanceError(mapped, message.slice(code!.length + 1));
  const failure = new BalanceError(BalanceErrorCode.ENGINE_FAILURE, `${script}: ${message}`);
  if (err instanceof Error) failure.cause = err;
  return failure;
}
