/**
 * Authentication and authorization of every provisioning route: an API key in `x-api-key` or a
 * bearer JWT (HS256 with RATEL_JWT_SECRET, RS256/ES256 with RATEL_JWT_JWKS_URL), through @app/auth.
 * No valid credential is UNAUTHENTICATED (401); a credential without the role the route declares
 * (`@RequiresRole`, else read for GET and write for the rest) is FORBIDDEN_ROLE (403).
 */
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  type AuthConfig,
  AuthenticationError,
  authenticatorOptions,
  AuthorizationError,
  authorize,
  type Credential,
  RequestAuthenticator,
  requiredRoleOf,
} from '@app/auth';

import { CLOCK, type Clock } from '@app/observability';
import { ProvisioningError, ProvisioningErrorCode } from '../provisioning-error';
import { ACTOR_REQUEST_KEY, type RequestWithActor } from './actor';
import { CHARGING_CONFIG } from '../../config';

export { API_KEY_HEADER } from '@app/auth';

@Injectable()
export class ProvisioningAuthGuard implements CanActivate {
  private readonly authenticator: RequestAuthenticator;

  constructor(
    @Inject(CHARGING_CONFIG) config: AuthConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly reflector: Reflector,
  ) {
    this.authenticator = new RequestAuthenticator(authenticatorOptions(config));
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithActor>();
    const credential = await this.authenticate(request.headers);
    request[ACTOR_REQUEST_KEY] = credential.name;
    try {
      authorize(credential, requiredRoleOf(this.reflector, context));
    } catch (e) {
      if (!(e instanceof AuthorizationError)) throw e;
      throw new ProvisioningError(ProvisioningErrorCode.FORBIDDEN_ROLE, e.message, { requiredRole: e.requiredRole });
    }
    return true;
  }

  /** The credential or UNAUTHENTICATED; an API key header, when present, must be valid. */
  async authenticate(headers: RequestWithActor['headers']): Promise<Credential> {
    try {
      return await this.authenticator.authenticate(headers, this.clock.nowMs());
    } catch (e) {
      if (e instanceof AuthenticationError) throw new ProvisioningError(ProvisioningErrorCode.UNAUTHENTICATED, e.message);
      throw e;
    }
  }
}
