/**
 * Authentication and authorization of every collections route (@app/auth `authorizeRoute`): an API
 * key in `x-api-key` or a bearer JWT. No valid credential is UNAUTHENTICATED (401); one without the
 * role the route declares (`@RequiresRole`, else read for GET and write for the rest) is
 * FORBIDDEN_ROLE (403). The caller's name is set on the request for the import record; the key never is.
 */
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  type AuthConfig,
  AuthenticationError,
  authenticatorOptions,
  AuthorizationError,
  authorizeRoute,
  RequestAuthenticator,
  type RequestHeaders,
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
    try {
      const credential = await authorizeRoute({
        authenticator: this.authenticator,
        reflector: this.reflector,
        context,
        nowMs: this.clock.nowMs(),
      });
      context.switchToHttp().getRequest<RequestWithActor>()[ACTOR_REQUEST_KEY] = credential.name;
      return true;
    } catch (e) {
      if (e instanceof AuthenticationError) throw new CollectionsError(CollectionsErrorCode.UNAUTHENTICATED, e.message);
      if (e instanceof AuthorizationError)
        throw new CollectionsError(CollectionsErrorCode.FORBIDDEN_ROLE, e.message, { requiredRole: e.requiredRole });
      throw e;
    }
  }
}
