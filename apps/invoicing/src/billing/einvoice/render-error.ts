/** Errors of rendering: a document view that breaks a rule of what can be rendered. Nothing was written. */
export enum RenderErrorCode {
  /** A field is missing or malformed (dates, codes, references, limits). */
  INVALID_VIEW = 'INVALID_VIEW',
  /** The totals do not add up (lines to net, tax subtotals to tax, net plus tax to gross). */
  INCONSISTENT_TOTALS = 'INCONSISTENT_TOTALS',
  /** A document store key outside [A-Za-z0-9._/-], or climbing out of the store. */
  INVALID_KEY = 'INVALID_KEY',
  /** A document store key with nothing stored. */
  NOT_FOUND = 'NOT_FOUND',
}

export class RenderError extends Error {
  constructor(
    readonly code: RenderErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'RenderError';
  }
}
