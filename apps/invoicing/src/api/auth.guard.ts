/**
 * Authentication and authorization of every usage and assurance route: an API key in `x-api-key`
 * (RATEL_API_KEYS) or a bearer JWT (HS256 with RATEL_JWT_SECRET, RS256/ES256 with
 * RATEL_JWT_JWKS_URL), through @app/auth. No valid credential is UNAUTHENTICATED (401); one without
 * the role the route declares (`@RequiresRole`, else read for GET and write for the rest) is
 * FORBIDDEN_ROLE (403). The caller's name (`apikey:<fingerprint>` or `jwt:<sub>`) is set on the
 * request for the log; the key itself never is.
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
  type RequestHeaders,
  requiredRoleOf,
} from '@app/auth';
import { CLOCK, type Clock } from '@app/observability';
import { InvoicingError, InvoicingErrorCode } from './invoicing-error';
import { INVOICING_CONFIG } from './tokens';

export { API_KEY_HEADER } from '@app/auth';
export const ACTOR_REQUEST_KEY = 'ratelActor';
/** The authenticated credential, for routes that check more than a role (a portal user's account). */
export const CREDENTIAL_REQUEST_KEY = 'ratelCredential';

export interface RequestWithActor {
  headers: RequestHeaders;
  [ACTOR_REQUEST_KEY]?: string;
  [CREDENTIAL_REQUEST_KEY]?: Credential;
}

@Injectable()
export class InvoicingAuthGuard implements CanActivate {
  private readonly authenticator: RequestAuthenticator;

  constructor(
    @Inject(INVOICING_CONFIG) config: AuthConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly reflector: Reflector,
  ) {
    this.authenticator = new RequestAuthenticator(authenticatorOptions(config));
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithActor>();
    const credential = await this.authenticate(request.headers);
    request[ACTOR_REQUEST_KEY] = credential.name;
    request[CREDENTIAL_REQUEST_KEY] = credential;
    try {
      authorize(credential, requiredRoleOf(this.reflector, context));
    } catch (e) {
      if (!(e instanceof AuthorizationError)) throw e;
      throw new InvoicingError(InvoicingErrorCode.FORBIDDEN_ROLE, e.message, { requiredRole: e.requiredRole });
    }
    return true;
  }

  /** The credential or UNAUTHENTICATED; an API key header, when present, must be valid. */
  async authenticate(headers: RequestHeaders): Promise<Credential> {
    try {
      return await this.authenticator.authenticate(headers, this.clock.nowMs());
    } catch (e) {
      if (e instanceof AuthenticationError) throw new InvoicingError(InvoicingErrorCode.UNAUTHENTICATED, e.message);
      throw e;
    }
  }
}
