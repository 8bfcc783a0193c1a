/**
 * What every usage and assurance controller shares: authentication, the error filter and their
 * OpenAPI description, in one decorator so that no route can miss one.
 */
import { applyDecorators, Controller, UseFilters, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiProperty,
  ApiPropertyOptional,
  ApiSecurity,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { InvoicingAuthGuard } from './auth.guard';
import { InvoicingErrorFilter } from './invoicing-error.filter';
import { InvoicingErrorCode } from './invoicing-error';

export const OPENAPI_API_KEY_SCHEME = 'apiKey';
export const OPENAPI_JWT_SCHEME = 'jwt';

export class ErrorResponse {
  @ApiProperty({ enum: [...Object.values(InvoicingErrorCode), 'NOT_FOUND', 'INTERNAL'] }) code!: string;
  @ApiProperty({ example: 'from: expected YYYY-MM-DD or an ISO 8601 date-time with Z or an offset' }) message!: string;
  @ApiPropertyOptional({ description: 'INVALID_ARGUMENT: the offending query or path parameter', example: 'from' }) parameter?: string;
}

export function InvoicingApiController(path: string, tag: string): ClassDecorator {
  return applyDecorators(
    Controller(path),
    ApiTags(tag),
    ApiSecurity(OPENAPI_API_KEY_SCHEME),
    ApiBearerAuth(OPENAPI_JWT_SCHEME),
    UseGuards(InvoicingAuthGuard),
    UseFilters(InvoicingErrorFilter),
    ApiBadRequestResponse({ description: 'A bad parameter; `parameter` names it.', type: ErrorResponse }),
    ApiUnauthorizedResponse({ description: 'No valid API key or bearer JWT', type: ErrorResponse }),
    ApiServiceUnavailableResponse({ description: 'ClickHouse or NATS did not answer', type: ErrorResponse }),
  );
}
