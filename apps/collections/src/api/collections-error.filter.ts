/** The one place collections errors become HTTP answers `{ code, message, ...details }` (global, see collections-http.ts). */
import { Catch } from '@nestjs/common';
import type { Logger } from '@app/observability';
import { type RestError, RestErrorFilter } from '@app/runtime/http';
import { COLLECTIONS_ERROR_HTTP_STATUS, CollectionsError } from '../payments/collections-error';

export function collectionsErrorOf(err: unknown): RestError | undefined {
  if (!(err instanceof CollectionsError)) return undefined;
  return { status: COLLECTIONS_ERROR_HTTP_STATUS[err.code], body: { ...err.details, code: err.code, message: err.message } };
}

@Catch()
export class CollectionsErrorFilter extends RestErrorFilter {
  constructor(logger: Logger) {
    super(logger, 'collections api');
  }

  protected domainErrorOf(err: unknown): RestError | undefined {
    return collectionsErrorOf(err);
  }
}
