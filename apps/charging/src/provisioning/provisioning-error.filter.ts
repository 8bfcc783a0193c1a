/**
 * The one place errors of the charging app's REST API become HTTP answers, global (installed by
 * createRestApp in bootstrap.ts), so body-parsing errors and unknown routes get the same format:
 * `{ "code": "...", "message": "...", "field"?: "...", "errors"?: [{field, message}], ... }`.
 * ProvisioningError codes map through HTTP_STATUS_OF; MoneyError and RatingError (bad input from
 * the money and rating libraries) are 400; framework errors (body, 404, 413, 415) map through
 * @app/runtime/http; anything else is a 500 whose details go to the log, not to the client.
 */
import { Catch } from '@nestjs/common';
import { MoneyError } from '@app/money';
import type { Logger } from '@app/observability';
import { RatingError } from '@app/rating';
import { frameworkErrorOf, type RequestFacts, type RestError, RestErrorFilter } from '@app/runtime/http';
import { HTTP_STATUS_OF, ProvisioningError, ProvisioningErrorCode } from './provisioning-error';

export type { RestErrorBody as ErrorBody } from '@app/runtime/http';

/** Status and body of an error of the provisioning domain, or undefined. */
export function provisioningErrorOf(err: unknown): RestError | undefined {
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
  return undefined;
}

/** Status and body for an error (undefined: a 500); pure, so it is unit-tested without a server. */
export function toHttpError(err: unknown, req: RequestFacts = { method: 'GET', url: '/' }): RestError | undefined {
  return provisioningErrorOf(err) ?? frameworkErrorOf(err, req);
}

@Catch()
export class ProvisioningErrorFilter extends RestErrorFilter {
  constructor(logger: Logger) {
    super(logger, 'provisioning');
  }

  protected domainErrorOf(err: unknown): RestError | undefined {
    return provisioningErrorOf(err);
  }
}
