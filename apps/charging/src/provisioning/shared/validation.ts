/**
 * Request validation: class-validator on the DTOs (shape, lengths, patterns; unknown fields are
 * refused), turned into INVALID_ARGUMENT errors that name every offending field by its path
 * (`thresholds.2`, `ratingGroups`). Nothing has been read or written when this fails.
 */
import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { ProvisioningError, ProvisioningErrorCode, type FieldError } from '../provisioning-error';

/** Validation errors reported per request (the rest are counted, not listed). */
export const FIELD_ERRORS_REPORTED_MAX = 20;

export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const field = parent === '' ? e.property : `${parent}.${e.property}`;
    for (const message of Object.values(e.constraints ?? {})) out.push({ field, message });
    if (e.children !== undefined && e.children.length > 0) out.push(...flattenValidationErrors(e.children, field));
  }
  return out;
}

export function validationFailed(errors: ValidationError[]): ProvisioningError {
  const all = flattenValidationErrors(errors);
  const listed = all.slice(0, FIELD_ERRORS_REPORTED_MAX);
  const first = listed[0] ?? { field: '(body)', message: 'invalid request' };
  const more = all.length > listed.length ? ` (and ${all.length - listed.length} more)` : '';
  return new ProvisioningError(ProvisioningErrorCode.INVALID_ARGUMENT, `${first.field}: ${first.message}${more}`, {
    field: first.field,
    errors: listed,
  });
}

export function createProvisioningValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    // Query strings are text; numbers there are converted by explicit @Type decorators only.
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    stopAtFirstError: false,
    exceptionFactory: validationFailed,
  });
}
