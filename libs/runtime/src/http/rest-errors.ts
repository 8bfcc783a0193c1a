/**
 * The error format of every REST API, `{ "code", "message", ...details }`, and the mapping of the
 * errors that come from the HTTP framework rather than from a domain: a request body fastify could
 * not take (empty or malformed JSON, too large, unsupported media type), an unknown route, and
 * HttpExceptions raised by Nest. Each app's error filter maps its own domain errors first and
 * hands everything else to `frameworkErrorOf`. Pure, unit-tested without a server.
 */
import { HttpException } from '@nestjs/common';

export interface RestErrorBody {
  code: string;
  message: string;
  [detail: string]: unknown;
}

export interface RestError {
  status: number;
  body: RestErrorBody;
}

/** Codes of framework errors (beside each app's own INVALID_ARGUMENT, NOT_FOUND, INTERNAL...). */
export const RestErrorCode = {
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  NOT_FOUND: 'NOT_FOUND',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  UNAVAILABLE: 'UNAVAILABLE',
  INTERNAL: 'INTERNAL',
} as const;

/** The `field` of an error about the request body as a whole. */
export const BODY_FIELD = 'body';

/** A JSON request body that cannot be parsed: thrown by the JSON parser of rest-app.ts. */
export class RequestBodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RequestBodyError';
  }
}

/** What the filter knows of the request, for precise messages. */
export interface RequestFacts {
  method: string;
  url: string;
  contentType?: string;
  /** The body limit of the route (or of the server), in bytes. */
  bodyLimitBytes?: number;
}

function invalidBody(message: string): RestError {
  const full = `${BODY_FIELD}: ${message}`;
  return { status: 400, body: { code: RestErrorCode.INVALID_ARGUMENT, message: full, field: BODY_FIELD } };
}

/** Status and body of a framework error; undefined when `err` is not one (a 500 then). */
export function frameworkErrorOf(err: unknown, req: RequestFacts): RestError | undefined {
  if (err instanceof RequestBodyError) return invalidBody(err.message);
  if (!(err instanceof HttpException)) return undefined;
  const status = err.getStatus();
  switch (status) {
    case 404:
      return { status, body: { code: RestErrorCode.NOT_FOUND, message: `no route ${req.method} ${req.url.split('?')[0].slice(0, 200)}` } };
    case 413: {
      const limit = req.bodyLimitBytes === undefined ? '' : ` of ${req.bodyLimitBytes} bytes`;
      const message = `${BODY_FIELD}: larger than the limit${limit}`;
      return { status, body: { code: RestErrorCode.PAYLOAD_TOO_LARGE, message, field: BODY_FIELD, limitBytes: req.bodyLimitBytes } };
    }
    case 415: {
      const given = req.contentType === undefined ? 'no content-type' : `content-type ${JSON.stringify(req.contentType.slice(0, 100))}`;
      const message = `${BODY_FIELD}: ${given} is not accepted here; send application/json`;
      return { status, body: { code: RestErrorCode.UNSUPPORTED_MEDIA_TYPE, message, field: BODY_FIELD } };
    }
    case 503:
      return { status, body: { code: RestErrorCode.UNAVAILABLE, message: err.message } };
  }
  if (status >= 500) return { status, body: { code: RestErrorCode.INTERNAL, message: err.message } };
  return { status, body: { code: RestErrorCode.INVALID_ARGUMENT, message: err.message } };
}
