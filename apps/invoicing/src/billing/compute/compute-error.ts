/** Why an invoice draft could not be computed. Bad input changes nothing; INVARIANT_BROKEN is a bug. */
export enum ComputeErrorCode {
  /** A field is missing or malformed (the message names it). */
  INVALID_INPUT = 'INVALID_INPUT',
  /** A charge, discount, usage aggregate or advance billing is not in the account's currency. */
  CURRENCY_MISMATCH = 'CURRENCY_MISMATCH',
  /** Not an IANA time zone known to this runtime. */
  INVALID_TIME_ZONE = 'INVALID_TIME_ZONE',
  /** A period whose end is not after its start, or longer than PERIOD_DAYS_MAX. */
  INVALID_PERIOD = 'INVALID_PERIOD',
  /** A tax category outside STANDARD, REDUCED, EXEMPT, REVERSE_CHARGE. */
  UNKNOWN_TAX_CATEGORY = 'UNKNOWN_TAX_CATEGORY',
  /** No tax rate for a jurisdiction, category and date. */
  TAX_RATE_NOT_FOUND = 'TAX_RATE_NOT_FOUND',
  /** A subscription, event or discount names a product that is not in the input. */
  UNKNOWN_PRODUCT = 'UNKNOWN_PRODUCT',
  /** Lifecycle events out of order or impossible (resumed while active, anything after cancelled...). */
  INVALID_EVENT_SEQUENCE = 'INVALID_EVENT_SEQUENCE',
  /** A usage aggregate outside the cycle (or a late one not before it). */
  USAGE_OUTSIDE_PERIOD = 'USAGE_OUTSIDE_PERIOD',
  /** More items than a named *_MAX limit allows. */
  LIMIT_EXCEEDED = 'LIMIT_EXCEEDED',
  /** Lines do not sum to the net total, or net + tax != gross: a programmer error, never issue it. */
  INVARIANT_BROKEN = 'INVARIANT_BROKEN',
}

export class ComputeError extends Error {
  constructor(
    readonly code: ComputeErrorCode,
    message: string,
    /** The input field concerned, as a path like `subscriptions[0].events[2].at`. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ComputeError';
  }
}
