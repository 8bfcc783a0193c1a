import { BadRequestException, NotFoundException, PayloadTooLargeException, type ValidationError } from '@nestjs/common';
import { MoneyError, MoneyErrorCode } from '@app/money';
import { RatingError, RatingErrorCode } from '@app/rating';
import { toHttpError } from './provisioning-error.filter';
import { ProvisioningError, ProvisioningErrorCode } from './provisioning-error';
import { flattenValidationErrors, validationFailed } from './shared/validation';

describe('toHttpError', () => {
  it.each([
    [ProvisioningErrorCode.INVALID_ARGUMENT, 400],
    [ProvisioningErrorCode.UNAUTHENTICATED, 401],
    [ProvisioningErrorCode.NOT_FOUND, 404],
    [ProvisioningErrorCode.ALREADY_EXISTS, 409],
    [ProvisioningErrorCode.IDEMPOTENCY_CONFLICT, 409],
    [ProvisioningErrorCode.FAILED_PRECONDITION, 422],
    [ProvisioningErrorCode.PROJECTION_PENDING, 503],
    [ProvisioningErrorCode.PROJECTION_MISSING, 503],
    [ProvisioningErrorCode.JOURNAL_UNAVAILABLE, 503],
  ])('maps %s to %d', (code, status) => {
    expect(toHttpError(new ProvisioningError(code, 'm', { accountId: 'a1' }))).toEqual({
      status,
      body: { code, message: 'm', accountId: 'a1' },
    });
  });

  it('names the field of invalid arguments', () => {
    expect(toHttpError(ProvisioningError.invalid('amount', 'bad'))?.body).toEqual({
      code: 'INVALID_ARGUMENT',
      message: 'amount: bad',
      field: 'amount',
      errors: [{ field: 'amount', message: 'bad' }],
    });
  });

  it('answers bad money and bad plans as 400, with the plan path', () => {
    expect(toHttpError(new MoneyError(MoneyErrorCode.INVALID_FORMAT, 'nope'))?.status).toBe(400);
    expect(toHttpError(new RatingError(RatingErrorCode.INVALID_PLAN, 'bad price', 'elements[0].price'))?.body).toEqual({
      code: 'INVALID_ARGUMENT',
      message: 'plan.elements[0].price: bad price',
      field: 'plan.elements[0].price',
    });
  });

  it('keeps the status of framework HTTP errors and leaves everything else to the 500 path', () => {
    expect(toHttpError(new PayloadTooLargeException())?.status).toBe(413);
    expect(toHttpError(new NotFoundException())?.body.code).toBe('NOT_FOUND');
    expect(toHttpError(new BadRequestException())?.body.code).toBe('INVALID_ARGUMENT');
    expect(toHttpError(new Error('boom'))).toBeUndefined();
  });
});

describe('validation errors', () => {
  const nested: ValidationError[] = [
    { property: 'name', constraints: { isString: 'name must be a string' }, children: [] },
    { property: 'plan', children: [{ property: 'elements', constraints: { x: 'elements is bad' }, children: [] }] },
  ];

  it('flattens nested errors into dotted field paths', () => {
    expect(flattenValidationErrors(nested)).toEqual([
      { field: 'name', message: 'name must be a string' },
      { field: 'plan.elements', message: 'elements is bad' },
    ]);
  });

  it('names the first field and lists them all', () => {
    const err = validationFailed(nested);
    expect(err.code).toBe(ProvisioningErrorCode.INVALID_ARGUMENT);
    expect(err.details.field).toBe('name');
    expect(err.details.errors).toHaveLength(2);
  });
});
