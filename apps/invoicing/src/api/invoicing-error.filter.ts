/**
 * The one place invoicing errors become HTTP answers: `{ "code", "message", "parameter"? }`.
 * InvoicingError codes map through HTTP_STATUS_OF; HttpExceptions raised by Nest or fastify (404,
 * 415...) keep their status; anything else is a 500 whose details go to the log only.
 */
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { LOGGER, type Logger } from '@app/observability';
import { HTTP_STATUS_OF, InvoicingError } from './invoicing-error';

export interface ErrorBody {
  code: string;
  message: string;
  [detail: string]: unknown;
}

/** Status and body of an error, or undefined for an unexpected one; pure, unit-tested. */
export function toHttpError(err: unknown): { status: number; body: ErrorBody } | undefined {
  if (err instanceof InvoicingError) {
    return { status: HTTP_STATUS_OF[err.code], body: { ...err.details, code: err.code, message: err.message } };
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const code = status === 404 ? 'NOT_FOUND' : status < 500 ? 'INVALID_ARGUMENT' : 'INTERNAL';
    return { status, body: { code, message: err.message } };
  }
  return undefined;
}

@Catch()
export class InvoicingErrorFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(err: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const mapped = toHttpError(err);
    if (mapped === undefined) {
      this.logger.error({ err }, 'invoicing api: unexpected error');
      void reply.status(500).send({ code: 'INTERNAL', message: 'internal error; see the server log' });
      return;
    }
    if (mapped.status >= 500)
      this.logger.warn({ err, cause: err instanceof Error ? String(err.cause) : undefined }, 'invoicing api: request failed');
    void reply.status(mapped.status).send(mapped.body);
  }
}
