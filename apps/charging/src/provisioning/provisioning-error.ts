/**
 * The provisioning domain's error. Use cases throw it; `ProvisioningErrorFilter` maps the code to
 * an HTTP status in one place. Domain code never throws HTTP exceptions.
 */
export enum ProvisioningErrorCode {
  /** Malformed input; `field` names the culprit. Nothing was changed. */
  INVALID_ARGUMENT = 'INVALID_ARGUMENT',
  /** No or bad credentials. */
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  /** The credential lacks the role the endpoint needs; `requiredRole` names it. */
  FORBIDDEN_ROLE = 'FORBIDDEN_ROLE',
  /** The resource named in the path does not exist. */
  NOT_FOUND = 'NOT_FOUND',
  /** An id, MSISDN or IMSI that must be unique is taken. */
  ALREADY_EXISTS = 'ALREADY_EXISTS',
  /** The idempotency key was used before with other content. */
  IDEMPOTENCY_CONFLICT = 'IDEMPOTENCY_CONFLICT',
  /** Well-formed but not allowed in the current state (closed account, unknown referenced object, currency mismatch). */
  FAILED_PRECONDITION = 'FAILED_PRECONDITION',
  /** A top-up would take the balance beyond AMOUNT_MAX_MICROS, which the balance engine refuses. Nothing was changed. */
  BALANCE_LIMIT_EXCEEDED = 'BALANCE_LIMIT_EXCEEDED',
  /** Balance + credit limit of a postpaid account would exceed AMOUNT_MAX_MICROS, which the engine refuses. Nothing was changed. */
  CREDIT_LIMIT_EXCEEDED = 'CREDIT_LIMIT_EXCEEDED',
  /** Committed to PostgreSQL but not (yet) applied to the balance engine; see the README ("Projection"). */
  PROJECTION_PENDING = 'PROJECTION_PENDING',
  /** Committed to PostgreSQL, and the balance engine refuses it for good: recorded in projection_failure for an operator. */
  PROJECTION_FAILED = 'PROJECTION_FAILED',
  /** PostgreSQL knows the account but the balance engine does not (run the rebuild). */
  PROJECTION_MISSING = 'PROJECTION_MISSING',
  /** The balance journal could not be caught up with the rated-event stream; the rebuild changed nothing. */
  JOURNAL_UNAVAILABLE = 'JOURNAL_UNAVAILABLE',
}

export const HTTP_STATUS_OF: Readonly<Record<ProvisioningErrorCode, number>> = {
  [ProvisioningErrorCode.INVALID_ARGUMENT]: 400,
  [ProvisioningErrorCode.UNAUTHENTICATED]: 401,
  [ProvisioningErrorCode.FORBIDDEN_ROLE]: 403,
  [ProvisioningErrorCode.NOT_FOUND]: 404,
  [ProvisioningErrorCode.ALREADY_EXISTS]: 409,
  [ProvisioningErrorCode.IDEMPOTENCY_CONFLICT]: 409,
  [ProvisioningErrorCode.FAILED_PRECONDITION]: 422,
  [ProvisioningErrorCode.BALANCE_LIMIT_EXCEEDED]: 422,
  [ProvisioningErrorCode.CREDIT_LIMIT_EXCEEDED]: 422,
  [ProvisioningErrorCode.PROJECTION_PENDING]: 503,
  [ProvisioningErrorCode.PROJECTION_FAILED]: 500,
  [ProvisioningErrorCode.PROJECTION_MISSING]: 503,
  [ProvisioningErrorCode.JOURNAL_UNAVAILABLE]: 503,
};

export interface FieldError {
  field: string;
  message: string;
}

export class ProvisioningError extends Error {
  constructor(
    readonly code: ProvisioningErrorCode,
    message: string,
    /** Extra facts for the client: `field`, `errors`, `accountId`... (never secrets). */
    readonly details: { field?: string; errors?: FieldError[]; [key: string]: unknown } = {},
  ) {
    super(message);
    this.name = 'ProvisioningError';
  }

  static invalid(field: string, message: string): ProvisioningError {
    return new ProvisioningError(ProvisioningErrorCode.INVALID_ARGUMENT, `${field}: ${message}`, { field, errors: [{ field, message }] });
  }

  static notFound(what: string, id: string): ProvisioningError {
    return new ProvisioningError(ProvisioningErrorCode.NOT_FOUND, `${what} ${id} does not exist`);
  }

  static precondition(message: string, field?: string): ProvisioningError {
    return new ProvisioningError(ProvisioningErrorCode.FAILED_PRECONDITION, message, field === undefined ? {} : { field });
  }
}
