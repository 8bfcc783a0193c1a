/**
 * The one place errors of the mediation HTTP API become answers, in the shape every Ratel REST
 * API uses: `{ "code", "message", "parameter"? }`. CdrErrors map through CDR_HTTP_STATUS_OF;
 * framework errors (body parsing, 404 of an unknown route, 413, 415) through @app/runtime/http, as
 * in every other REST app; anything else is a 500 whose details go to the log only. Installed as the
 * app's global filter by createRestApp (mediation-http.ts).
 */
import { Catch, Inject } from '@nestjs/common';
import type { Logger } from '@app/observability';
import { frameworkErrorOf, type RequestFacts, type RestError, RestErrorFilter } from '@app/runtime/http';
import { CdrError, CdrErrorCode } from '../cdr-error';
import { CDR_LOGGER } from '../cdr.tokens';

export const CDR_HTTP_STATUS_OF: Readonly<Record<CdrErrorCode, number>> = {
  [CdrErrorCode.UNAUTHENTICATED]: 401,
  [CdrErrorCode.FORBIDDEN_ROLE]: 403,
  [CdrErrorCode.INVALID_ARGUMENT]: 400,
  [CdrErrorCode.EMPTY_FILE]: 400,
  [CdrErrorCode.HEADER_MISMATCH]: 400,
  [CdrErrorCode.UNSUPPORTED_MEDIA_TYPE]: 415,
  [CdrErrorCode.FILE_TOO_LARGE]: 413,
  [CdrErrorCode.TOO_MANY_RECORDS]: 413,
  [CdrErrorCode.NOT_FOUND]: 404,
  [CdrErrorCode.FILE_IN_PROGRESS]: 409,
  [CdrErrorCode.BUSY]: 429,
};

/** Status and body of a CdrError, or undefined. */
export function cdrErrorOf(err: unknown): RestError | undefined {
  if (!(err instanceof CdrError)) return undefined;
  const body: RestError['body'] = { code: err.code, message: err.message };
  if (err.parameter !== undefined) body.parameter = err.parameter;
  return { status: CDR_HTTP_STATUS_OF[err.code], body };
}

/** Status and body of an error, or undefined for an unexpected one (a 500). Pure. */
export function toCdrHttpError(err: unknown, req: RequestFacts = { method: 'GET', url: '/' }): RestError | undefined {
  return cdrErrorOf(err) ?? frameworkErrorOf(err, req);
}

@Catch()
export class CdrErrorFilter extends RestErrorFilter {
  constructor(@Inject(CDR_LOGGER) logger: Logger) {
    super(logger, 'mediation api');
  }

  protected domainErrorOf(err: unknown): RestError | undefined {
    return cdrErrorOf(err);
  }
}
