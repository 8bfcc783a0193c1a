/**
 * Authentication and authorization of every collections route through @app/auth: an API key in
 * `x-api-key` or a bearer JWT. No valid credential is UNAUTHENTICATED (401); one without the role the
 * route declares (`@RequiresRole`, else read for GET and write for the rest) is FORBIDDEN_ROLE (403).
 * The caller's name is set on the request for the import record and the log; the key never is.
 */
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  type AuthConfig,
  AuthenticationError,
  authenticatorOptions,
  AuthorizationError,
  authorize,
  RequestAuthenticator,
  type RequestHeaders,
  requiredRoleOf,
} from '@app/auth';
import { CLOCK, type Clock } from '@app/observability';
import { CollectionsError, CollectionsErrorCode } from '../payments/collections-error';
import { COLLECTIONS_CONFIG } from './tokens';

export const ACTOR_REQUEST_KEY = 'ratelActor';

export interface RequestWithActor {
  headers: RequestHeaders;
  [ACTOR_REQUEST_KEY]?: string;
}

@Injectable()
export class CollectionsAuthGuard implements CanActivate {
  private readonly authenticator: RequestAuthenticator;

  constructor(
    @Inject(COLLECTIONS_CONFIG) config: AuthConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly reflector: Reflector,
  ) {
    this.authenticator = new RequestAuthenticator(authenticatorOptions(config));
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithActor>();
    let credential;
    try {
      credential = await this.authenticator.authenticate(request.headers, this.clock.nowMs());
    } catch (e) {
      if (e instanceof AuthenticationError) throw new CollectionsError(CollectionsErrorCode.UNAUTHENTICATED, e.message);
      throw e;
    }
    request[ACTOR_REQUEST_KEY] = credential.name;
    try {
      authorize(credential, requiredRoleOf(this.reflector, context));
    } catch (e) {
      if (!(e instanceof AuthorizationError)) throw e;
      throw new CollectionsError(CollectionsErrorCode.FORBIDDEN_ROLE, e.message, { requiredRole: e.requiredRole });
    }
    return true;
  }
}
