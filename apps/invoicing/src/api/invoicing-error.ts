/**
 * The error of the invoicing read side (usage reports, revenue assurance). Use cases and their
 * commands throw it; `InvoicingErrorFilter` maps each code to an HTTP status in one place, and the
 * assurance CLI to an exit code. Domain code never throws HTTP exceptions.
 */
export enum InvoicingErrorCode {
  /** A bad request parameter; `parameter` names it. Nothing was read. */
  INVALID_ARGUMENT = 'INVALID_ARGUMENT',
  /** No or bad credentials. */
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  /** The credential lacks the role the endpoint needs; `requiredRole` names it. */
  FORBIDDEN_ROLE = 'FORBIDDEN_ROLE',
  /** The work would exceed a named bound (events scanned); narrow the request. */
  LIMIT_EXCEEDED = 'LIMIT_EXCEEDED',
  /** The same expensive operation is already running in this process. */
  BUSY = 'BUSY',
  /** ClickHouse or NATS did not answer. */
  UNAVAILABLE = 'UNAVAILABLE',
}

export const HTTP_STATUS_OF: Readonly<Record<InvoicingErrorCode, number>> = {
  [InvoicingErrorCode.INVALID_ARGUMENT]: 400,
  [InvoicingErrorCode.UNAUTHENTICATED]: 401,
  [InvoicingErrorCode.FORBIDDEN_ROLE]: 403,
  [InvoicingErrorCode.LIMIT_EXCEEDED]: 422,
  [InvoicingErrorCode.BUSY]: 429,
  [InvoicingErrorCode.UNAVAILABLE]: 503,
};

export class InvoicingError extends Error {
  constructor(
    readonly code: InvoicingErrorCode,
    message: string,
    /** Extra facts for the client (`parameter`, `limit`); never secrets. */
    readonly details: { parameter?: string; [key: string]: unknown } = {},
  ) {
    super(message);
    this.name = 'InvoicingError';
  }

  /** A bad parameter: the message starts with its name. */
  static invalid(parameter: string, message: string): InvoicingError {
    return new InvoicingError(InvoicingErrorCode.INVALID_ARGUMENT, `${parameter}: ${message}`, { parameter });
  }

  /** Wraps a failure of a backing server; the cause goes to the log, not to the client. */
  static unavailable(server: string, cause: unknown): InvoicingError {
    const err = new InvoicingError(InvoicingErrorCode.UNAVAILABLE, `${server} is unavailable; retry later`);
    err.cause = cause;
    return err;
  }
}
