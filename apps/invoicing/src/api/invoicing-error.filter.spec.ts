import { BadRequestException, NotFoundException } from '@nestjs/common';
import { InvoicingError, InvoicingErrorCode } from './invoicing-error';
import { toHttpError } from './invoicing-error.filter';

describe('toHttpError', () => {
  it.each([
    [InvoicingError.invalid('from', 'bad'), 400, { code: 'INVALID_ARGUMENT', parameter: 'from', message: 'from: bad' }],
    [new InvoicingError(InvoicingErrorCode.UNAUTHENTICATED, 'no'), 401, { code: 'UNAUTHENTICATED' }],
    [new InvoicingError(InvoicingErrorCode.LIMIT_EXCEEDED, 'too much', { limit: 5 }), 422, { code: 'LIMIT_EXCEEDED', limit: 5 }],
    [new InvoicingError(InvoicingErrorCode.BUSY, 'busy'), 429, { code: 'BUSY' }],
    [
      InvoicingError.unavailable('ClickHouse', new Error('ECONNREFUSED 10.0.0.1')),
      503,
      { code: 'UNAVAILABLE', message: 'ClickHouse is unavailable; retry later' },
    ],
    [new NotFoundException(), 404, { code: 'NOT_FOUND' }],
    [new BadRequestException('body'), 400, { code: 'INVALID_ARGUMENT' }],
  ])('maps %s', (err, status, body) => {
    const mapped = toHttpError(err)!;
    expect(mapped.status).toBe(status);
    expect(mapped.body).toMatchObject(body);
    expect(JSON.stringify(mapped.body)).not.toContain('ECONNREFUSED');
  });

  it('leaves unexpected errors to the 500 path', () => {
    expect(toHttpError(new Error('boom'))).toBeUndefined();
  });
});
