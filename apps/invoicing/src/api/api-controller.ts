/**
 * What every usage and assurance controller shares: authentication and the role check (each route
 * declares its role with @RequiresRole; the error filter is global, see http-app.ts) and their
 * OpenAPI description, in one decorator so that no route can miss one.
 */
import { applyDecorators, Controller, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiProperty,
  ApiPropertyOptional,
  ApiSecurity,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { InvoicingAuthGuard } from './auth.guard';
import { InvoicingErrorCode } from './invoicing-error';

export const OPENAPI_API_KEY_SCHEME = 'apiKey';
export const OPENAPI_JWT_SCHEME = 'jwt';

export class ErrorResponse {
  @ApiProperty({ enum: [...Object.values(InvoicingErrorCode), 'NOT_FOUND', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'INTERNAL'] })
  code!: string;
  @ApiProperty({ example: 'from: expected YYYY-MM-DD or an ISO 8601 date-time with Z or an offset' }) message!: string;
  @ApiPropertyOptional({ description: 'INVALID_ARGUMENT: the offending query or path parameter', example: 'from' }) parameter?: string;
  @ApiPropertyOptional({ description: 'FORBIDDEN_ROLE: the role the route needs', example: 'read' }) requiredRole?: string;
}

export function InvoicingApiController(path: string, tag: string): ClassDecorator {
  return applyDecorators(
    Controller(path),
    ApiTags(tag),
    ApiSecurity(OPENAPI_API_KEY_SCHEME),
    ApiBearerAuth(OPENAPI_JWT_SCHEME),
    UseGuards(InvoicingAuthGuard),
    ApiBadRequestResponse({ description: 'A bad parameter; `parameter` names it.', type: ErrorResponse }),
    ApiUnauthorizedResponse({ description: 'No valid API key or bearer JWT', type: ErrorResponse }),
    ApiForbiddenResponse({
      description: 'FORBIDDEN_ROLE: the credential lacks the role the route needs (`requiredRole`)',
      type: ErrorResponse,
    }),
    ApiServiceUnavailableResponse({ description: 'ClickHouse or NATS did not answer', type: ErrorResponse }),
  );
}
