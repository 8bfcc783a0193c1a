/** What every collections controller shares: the auth guard and the OpenAPI description of auth and errors. */
import { applyDecorators, Controller, UseGuards } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiForbiddenResponse, ApiSecurity, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { OPENAPI_API_KEY_SCHEME, OPENAPI_JWT_SCHEME } from '@app/runtime/http';
import { CollectionsAuthGuard } from './auth.guard';

export function CollectionsApiController(path: string, tag: string): ClassDecorator {
  return applyDecorators(
    Controller(path),
    ApiTags(tag),
    ApiSecurity(OPENAPI_API_KEY_SCHEME),
    ApiBearerAuth(OPENAPI_JWT_SCHEME),
    UseGuards(CollectionsAuthGuard),
    ApiBadRequestResponse({ description: 'INVALID_ARGUMENT: a bad parameter or body; `parameter` names it' }),
    ApiUnauthorizedResponse({ description: 'UNAUTHENTICATED: no valid API key or bearer JWT' }),
    ApiForbiddenResponse({ description: 'FORBIDDEN_ROLE: the credential lacks the role the route needs (`requiredRole`)' }),
  );
}
