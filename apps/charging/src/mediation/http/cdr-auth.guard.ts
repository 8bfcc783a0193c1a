/**
 * Authentication and authorization of every CDR route: an API key in `x-api-key` (RATEL_API_KEYS)
 * or a bearer JWT (HS256 with RATEL_JWT_SECRET, RS256/ES256 with RATEL_JWT_JWKS_URL), through
 * @app/auth, as every REST API of Ratel. No valid credential is UNAUTHENTICATED (401); one without
 * the role the route needs (`@RequiresRole`, else read for GET and write for the rest: an upload
 * needs write) is FORBIDDEN_ROLE (403). The caller's name (`apikey:<fingerprint>` or `jwt:<sub>`)
 * is set on the request for the log; the key itself never is.
 */
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  AuthenticationError,
  authenticatorOptions,
  AuthorizationError,
  authorize,
  RequestAuthenticator,
  type RequestHeaders,
  requiredRoleOf,
} from '@app/auth';
import type { Clock } from '@app/observability';
import { CdrError, CdrErrorCode } from '../cdr-error';
import { CDR_CLOCK, CDR_OPTIONS, type CdrModuleOptions } from '../cdr.tokens';

export { API_KEY_HEADER } from '@app/auth';
export const ACTOR_REQUEST_KEY = 'ratelActor';

interface RequestWithActor {
  headers: RequestHeaders;
  [ACTOR_REQUEST_KEY]?: string;
}

@Injectable()
export class CdrAuthGuard implements CanActivate {
  private readonly authenticator: RequestAuthenticator;

  constructor(
    @Inject(CDR_OPTIONS) options: Pick<CdrModuleOptions, 'config'>,
    @Inject(CDR_CLOCK) private readonly clock: Clock,
    private readonly reflector: Reflector,
  ) {
    this.authenticator = new RequestAuthenticator(authenticatorOptions(options.config));
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithActor>();
    let credential;
    try {
      credential = await this.authenticator.authenticate(request.headers, this.clock.nowMs());
    } catch (e) {
      if (e instanceof AuthenticationError) throw new CdrError(CdrErrorCode.UNAUTHENTICATED, e.message);
      throw e;
    }
    request[ACTOR_REQUEST_KEY] = credential.name;
    try {
      authorize(credential, requiredRoleOf(this.reflector, context));
    } catch (e) {
      if (!(e instanceof AuthorizationError)) throw e;
      throw new CdrError(CdrErrorCode.FORBIDDEN_ROLE, e.message);
    }
    return true;
  }
}
