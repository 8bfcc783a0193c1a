/** OpenAPI descriptions of the query parameters the usage routes share. */
import { applyDecorators } from '@nestjs/common';
import { ApiParam, ApiQuery } from '@nestjs/swagger';
import { RATED_EVENT_TYPES } from '@app/events';

export function ApiAccountParam(): MethodDecorator {
  return ApiParam({ name: 'accountId', description: 'Billing account id, ^[A-Za-z0-9_-]{1,64}$' });
}

export function ApiReportQueries(maxDays: number): MethodDecorator {
  const instant = 'YYYY-MM-DD (UTC midnight) or ISO 8601 date-time with Z or an offset';
  return applyDecorators(
    ApiQuery({ name: 'from', required: true, description: `Start of the period, inclusive: ${instant}`, example: '2026-11-01' }),
    ApiQuery({
      name: 'to',
      required: true,
      description: `End of the period, exclusive (after from, at most ${maxDays} days later): ${instant}`,
      example: '2026-12-01',
    }),
    ApiQuery({
      name: 'type',
      required: false,
      description: `Comma list of event types (${RATED_EVENT_TYPES.join(', ')}); default DEBIT,REFUND (net usage)`,
      example: 'DEBIT,REFUND',
    }),
    ApiQuery({ name: 'serviceId', required: false, type: Number, description: 'Only this service (0..4294967295)' }),
    ApiQuery({ name: 'ratingGroup', required: false, type: Number, description: 'Only this rating group (0..4294967295)' }),
  );
}
