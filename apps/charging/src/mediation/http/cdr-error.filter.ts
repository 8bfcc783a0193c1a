/**
 * The one place errors of the mediation HTTP API become answers, in the shape every Ratel REST
 * API uses: `{ "code", "message", "parameter"? }`. CdrErrors map through CDR_HTTP_STATUS_OF;
 * HttpExceptions raised by Nest or fastify (404 of an unknown route, 413, 415...) keep their status
 * with a code; anything else is a 500 whose details go to the log only. Installed as the app's
 * global filter, and as fastify's error handler for what fails before Nest sees the request
 * (body parsing), so no answer leaves without a `code`.
 */
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '@app/observability';
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

export interface ErrorBody {
  code: string;
  message: string;
  parameter?: string;
}

/** The code of an HTTP status raised outside the domain (router, body parser, Nest pipes). */
function codeOfStatus(status: number): string {
  if (status === 404) return CdrErrorCode.NOT_FOUND;
  if (status === 413) return 'BODY_TOO_LARGE';
  if (status === 415) return CdrErrorCode.UNSUPPORTED_MEDIA_TYPE;
  if (status === 503) return 'UNAVAILABLE';
  return status < 500 ? CdrErrorCode.INVALID_ARGUMENT : 'INTERNAL';
}

/** Status and body of an error, or undefined for an unexpected one (a 500). Pure. */
export function toCdrHttpError(err: unknown): { status: number; body: ErrorBody } | undefined {
  if (err instanceof CdrError) {
    const body: ErrorBody = { code: err.code, message: err.message };
    if (err.parameter !== undefined) body.parameter = err.parameter;
    return { status: CDR_HTTP_STATUS_OF[err.code], body };
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    return { status, body: { code: codeOfStatus(status), message: err.message } };
  }
  const statusCode = (err as Partial<FastifyError> | null)?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return { status: statusCode, body: { code: codeOfStatus(statusCode), message: (err as Error).message } };
  }
  return undefined;
}

const INTERNAL_BODY: ErrorBody = { code: 'INTERNAL', message: 'internal error; see the server log' };

function send(logger: Logger, err: unknown, reply: FastifyReply): void {
  const mapped = toCdrHttpError(err);
  if (mapped === undefined) {
    logger.error({ err }, 'mediation api: unexpected error');
    void reply.status(500).send(INTERNAL_BODY);
    return;
  }
  void reply.status(mapped.status).send(mapped.body);
}

@Catch()
export class CdrErrorFilter implements ExceptionFilter {
  constructor(@Inject(CDR_LOGGER) private readonly logger: Logger) {}

  catch(err: unknown, host: ArgumentsHost): void {
    send(this.logger, err, host.switchToHttp().getResponse<FastifyReply>());
  }
}

/** For fastify.setErrorHandler: errors raised before routing reaches Nest (a malformed or oversized body). */
export function fastifyErrorHandler(logger: Logger): (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => void {
  return (err, _req, reply) => send(logger, err, reply);
}
