/**
 * The one place CdrErrors become HTTP answers, in the invoicing API's error shape
 * `{ "code", "message", "parameter"? }`. Anything else (the host guard's UNAUTHENTICATED, Nest and
 * fastify HttpExceptions) goes through the host's own mapping, so the CDR routes answer exactly
 * like the other invoicing routes; what neither knows is a 500 whose details go to the log only.
 */
import { ArgumentsHost, Catch, ExceptionFilter, Inject } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Logger } from '@app/observability';
import { toHttpError } from '../../api/invoicing-error.filter';
import { CdrError, CdrErrorCode } from '../cdr-error';
import { CDR_LOGGER } from '../cdr.tokens';

export const CDR_HTTP_STATUS_OF: Readonly<Record<CdrErrorCode, number>> = {
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

export function toCdrHttpError(err: unknown): { status: number; body: Record<string, unknown> } | undefined {
  if (err instanceof CdrError) {
    const body: Record<string, unknown> = { code: err.code, message: err.message };
    if (err.parameter !== undefined) body.parameter = err.parameter;
    return { status: CDR_HTTP_STATUS_OF[err.code], body };
  }
  return toHttpError(err);
}

@Catch()
export class CdrErrorFilter implements ExceptionFilter {
  constructor(@Inject(CDR_LOGGER) private readonly logger: Logger) {}

  catch(err: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const mapped = toCdrHttpError(err);
    if (mapped === undefined) {
      this.logger.error({ err }, 'cdr api: unexpected error');
      void reply.status(500).send({ code: 'INTERNAL', message: 'internal error; see the server log' });
      return;
    }
    void reply.status(mapped.status).send(mapped.body);
  }
}
