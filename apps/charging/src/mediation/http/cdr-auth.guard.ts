/**
 * Authentication of every CDR route: an API key in `x-api-key` (RATEL_API_KEYS) or a bearer HS256
 * JWT signed with RATEL_JWT_SECRET, through @app/auth, exactly as the invoicing API authenticated
 * these routes before they moved here. Anything else is UNAUTHENTICATED (401). The caller's name
 * (`apikey:<fingerprint>` or `jwt:<sub>`) is set on the request for the log; the key never is.
 */
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { AuthenticationError, RequestAuthenticator, type RequestHeaders } from '@app/auth';
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
  ) {
    this.authenticator = new RequestAuthenticator(options.config.RATEL_API_KEYS, options.config.RATEL_JWT_SECRET);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<RequestWithActor>();
    try {
      request[ACTOR_REQUEST_KEY] = this.authenticator.authenticate(request.headers, this.clock.nowMs());
    } catch (e) {
      if (e instanceof AuthenticationError) throw new CdrError(CdrErrorCode.UNAUTHENTICATED, e.message);
      throw e;
    }
    return true;
  }
}
