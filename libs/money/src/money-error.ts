/** Why a money value was refused. Transport filters map every code to a client error (bad input). */
export enum MoneyErrorCode {
  /** Not a decimal string of the expected shape (includes numbers, exponents, signs, spaces). */
  INVALID_FORMAT = 'INVALID_FORMAT',
  /** More decimals than a micro-unit can hold (6). */
  TOO_MANY_DECIMALS = 'TOO_MANY_DECIMALS',
  /** Beyond what the balance engine holds exactly (+/- AMOUNT_MAX_MICROS). */
  OUT_OF_RANGE = 'OUT_OF_RANGE',
  /** Not an active ISO 4217 currency code. */
  INVALID_CURRENCY = 'INVALID_CURRENCY',
}

/** Bad money input: an operating error, answered precisely; nothing was changed. */
export class MoneyError extends Error {
  constructor(
    readonly code: MoneyErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MoneyError';
  }
}

/** A short, safe rendering of a rejected input for an error message. */
export function describeInput(input: unknown): string {
  if (typeof input === 'string') {
    return input.length > 40 ? `"${input.slice(0, 40)}..." (${input.length} characters)` : `"${input}"`;
  }
  if (typeof input === 'number') return `the number ${input}`;
  if (input === null) return 'null';
  return `a value of type ${typeof input}`;
}
