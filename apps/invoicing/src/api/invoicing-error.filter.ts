/**
 * The one place errors of the invoicing API become HTTP answers, `{ "code", "message",
 * "parameter"? }`, global (installed by createRestApp in http-app.ts), so body-parsing errors and
 * unknown routes get the same format. InvoicingError codes map through HTTP_STATUS_OF; framework
 * errors (body, 404, 413, 415) through @app/runtime/http; anything else is a 500 whose details go to
 * the log only.
 */
import { Catch } from '@nestjs/common';
import type { Logger } from '@app/observability';
import { frameworkErrorOf, type RequestFacts, type RestError, RestErrorFilter } from '@app/runtime/http';
import { BILLING_ERROR_HTTP_STATUS, BillingError } from '../billing/documents/billing-error';
import { RUN_ERROR_HTTP_STATUS, RunError } from '../billing/run/run-error';
import { HTTP_STATUS_OF, InvoicingError } from './invoicing-error';

export type { RestErrorBody as ErrorBody } from '@app/runtime/http';

/** Status and body of an InvoicingError, or undefined. */
export function invoicingErrorOf(err: unknown): RestError | undefined {
  if (err instanceof RunError)
    return {
      status: RUN_ERROR_HTTP_STATUS[err.code],
      body: { code: err.code, message: err.message, ...(err.parameter === undefined ? {} : { parameter: err.parameter }) },
    };
  if (err instanceof BillingError)
    return {
      status: BILLING_ERROR_HTTP_STATUS[err.code],
      body: { code: err.code, message: err.message, ...(err.parameter === undefined ? {} : { parameter: err.parameter }) },
    };
  if (!(err instanceof InvoicingError)) return undefined;
  return { status: HTTP_STATUS_OF[err.code], body: { ...err.details, code: err.code, message: err.message } };
}

/** Status and body of an error, or undefined for an unexpected one; pure, unit-tested. */
export function toHttpError(err: unknown, req: RequestFacts = { method: 'GET', url: '/' }): RestError | undefined {
  return invoicingErrorOf(err) ?? frameworkErrorOf(err, req);
}

@Catch()
export class InvoicingErrorFilter extends RestErrorFilter {
  constructor(logger: Logger) {
    super(logger, 'invoicing api');
  }

  protected domainErrorOf(err: unknown): RestError | undefined {
    return invoicingErrorOf(err);
  }
}
