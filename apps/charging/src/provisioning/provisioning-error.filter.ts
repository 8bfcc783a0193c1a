/**
 * The one place provisioning errors become HTTP answers:
 * `{ "code": "...", "message": "...", "field"?: "...", "errors"?: [{field, message}], ... }`.
 * ProvisioningError codes map through HTTP_STATUS_OF; MoneyError and RatingError (bad input from
 * the money and rating libraries) are 400; HttpExceptions raised by Nest or fastify keep their
 * status; anything else is a 500 whose details go to the log, not to the client.
 */
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { MoneyError } from '@app/money';
import { LOGGER, type Logger } from '@app/observability';
import { RatingError } from '@app/rating';
import { HTTP_STATUS_OF, ProvisioningError, ProvisioningErrorCode } from './provisioning-error';

export interface ErrorBody {
  code: string;
  message: string;
  [detail: string]: unknown;
}

/** Status and body for an error; pure, so it is unit-tested without a server. */
export function toHttpError(err: unknown): { status: number; body: ErrorBody } | undefined {
  if (err instanceof ProvisioningError) {
    return { status: HTTP_STATUS_OF[err.code], body: { ...err.details, code: err.code, message: err.message } };
  }
  if (err instanceof MoneyError) {
    return { status: 400, body: { code: ProvisioningErrorCode.INVALID_ARGUMENT, message: err.message } };
  }
  if (err instanceof RatingError) {
    // RatingError messages already start with their path ("elements[0].price: ...").
    const field = err.path === undefined ? 'plan' : `plan.${err.path}`;
    const message = err.path === undefined ? `plan: ${err.message}` : `plan.${err.message}`;
    return { status: 400, body: { code: ProvisioningErrorCode.INVALID_ARGUMENT, message, field } };
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const code = status === 404 ? ProvisioningErrorCode.NOT_FOUND : status < 500 ? ProvisioningErrorCode.INVALID_ARGUMENT : 'INTERNAL';
    return { status, body: { code, message: err.message } };
  }
  return undefined;
}

@Catch()
export class ProvisioningErrorFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(err: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const mapped = toHttpError(err);
    if (mapped === undefined) {
      this.logger.error({ err }, 'provisioning: unexpected error');
      void reply.status(500).send({ code: 'INTERNAL', message: 'internal error; see the server log' });
      return;
    }
    if (mapped.status >= 500) this.logger.warn({ err }, 'provisioning: request failed');
    void reply.status(mapped.status).send(mapped.body);
  }
}
