/**
 * What every provisioning controller shares: authentication (API key or bearer JWT) and the role
 * check (each route declares its role with @RequiresRole), request validation and their OpenAPI
 * description. One decorator, so no route can miss one. The error filter is global (bootstrap.ts).
 */
import { applyDecorators, Controller, UseGuards, UsePipes } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiProperty,
  ApiPropertyOptional,
  ApiSecurity,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ROLES } from '@app/auth';
import { ProvisioningAuthGuard } from '../auth/auth.guard';
import { createProvisioningValidationPipe } from './validation';

export const OPENAPI_API_KEY_SCHEME = 'apiKey';
export const OPENAPI_JWT_SCHEME = 'jwt';

export class FieldErrorView {
  @ApiProperty({ example: 'thresholds.0' }) field!: string;
  @ApiProperty({ example: 'expected a decimal string like "12.345678"' }) message!: string;
}

export class ErrorResponse {
  @ApiProperty({
    enum: [
      'INVALID_ARGUMENT',
      'UNAUTHENTICATED',
      'FORBIDDEN_ROLE',
      'NOT_FOUND',
      'PAYLOAD_TOO_LARGE',
      'UNSUPPORTED_MEDIA_TYPE',
      'ALREADY_EXISTS',
      'IDEMPOTENCY_CONFLICT',
      'FAILED_PRECONDITION',
      'PROJECTION_PENDING',
      'PROJECTION_MISSING',
      'JOURNAL_UNAVAILABLE',
      'INTERNAL',
    ],
  })
  code!: string;
  @ApiProperty() message!: string;
  @ApiPropertyOptional({ description: 'The offending request field (INVALID_ARGUMENT)' }) field?: string;
  @ApiPropertyOptional({ type: [FieldErrorView] }) errors?: FieldErrorView[];
  @ApiPropertyOptional({ description: 'PROJECTION_PENDING/MISSING: the account to rebuild' }) accountId?: string;
  @ApiPropertyOptional({ description: 'PROJECTION_PENDING: the committed resource' }) resourceId?: string;
  @ApiPropertyOptional({ description: 'FORBIDDEN_ROLE: the role the endpoint needs', enum: ROLES }) requiredRole?: string;
  @ApiPropertyOptional({ description: 'PAYLOAD_TOO_LARGE: the body limit in bytes' }) limitBytes?: number;
  @ApiPropertyOptional({
    description: 'FAILED_PRECONDITION: which rule refused it (TAX_RATE_OVERLAP with conflictingTaxRateId, INVALID_TRANSITION with status)',
    enum: ['TAX_RATE_OVERLAP', 'INVALID_TRANSITION'],
  })
  reason?: string;
}

export function ProvisioningController(path: string, tag: string): ClassDecorator {
  return applyDecorators(
    Controller(path),
    ApiTags(tag),
    ApiSecurity(OPENAPI_API_KEY_SCHEME),
    ApiBearerAuth(OPENAPI_JWT_SCHEME),
    UseGuards(ProvisioningAuthGuard),
    UsePipes(createProvisioningValidationPipe()),
    ApiBadRequestResponse({ description: 'Malformed input; `field` names it. Nothing was changed.', type: ErrorResponse }),
    ApiUnauthorizedResponse({ description: 'No valid API key or bearer JWT', type: ErrorResponse }),
    ApiForbiddenResponse({
      description: 'FORBIDDEN_ROLE: the credential lacks the role the endpoint needs (`requiredRole`)',
      type: ErrorResponse,
    }),
  );
}
