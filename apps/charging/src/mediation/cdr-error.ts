/**
 * Why CDR mediation refused a whole file or a request. Record-level problems are not errors: they
 * are rejects (`CdrRejectCode`, cdr-formats.ts) and the file goes on. The HTTP status of each
 * code lives in the transport (http/cdr-error.filter.ts), never here.
 */
export enum CdrErrorCode {
  /** No valid API key or bearer JWT. */
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN_ROLE = 'FORBIDDEN_ROLE',
  /** A request parameter is missing or malformed; `field` names it. */
  INVALID_ARGUMENT = 'INVALID_ARGUMENT',
  /** The body is not `text/csv`. */
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  /** The file has no header line. */
  EMPTY_FILE = 'EMPTY_FILE',
  /** The header line is not the format's header. */
  HEADER_MISMATCH = 'HEADER_MISMATCH',
  /** The file is larger than CDR_FILE_MAX_BYTES. */
  FILE_TOO_LARGE = 'FILE_TOO_LARGE',
  /** The file has more lines than CDR_RECORDS_PER_FILE_MAX records (+ header). */
  TOO_MANY_RECORDS = 'TOO_MANY_RECORDS',
  /** No such file id. */
  NOT_FOUND = 'NOT_FOUND',
  /** The same file (same content) is being ingested right now. */
  FILE_IN_PROGRESS = 'FILE_IN_PROGRESS',
  /** CDR_CONCURRENT_FILES_MAX files are being ingested; try again later. */
  BUSY = 'BUSY',
}

/** Codes that condemn the file itself (the watcher moves it to failed/); the others are about the request or the process. */
export const FILE_ERROR_CODES: ReadonlySet<CdrErrorCode> = new Set([
  CdrErrorCode.EMPTY_FILE,
  CdrErrorCode.HEADER_MISMATCH,
  CdrErrorCode.FILE_TOO_LARGE,
  CdrErrorCode.TOO_MANY_RECORDS,
]);

export class CdrError extends Error {
  constructor(
    readonly code: CdrErrorCode,
    message: string,
    /** The request parameter at fault (INVALID_ARGUMENT). */
    readonly parameter?: string,
  ) {
    super(message);
    this.name = 'CdrError';
  }
}
