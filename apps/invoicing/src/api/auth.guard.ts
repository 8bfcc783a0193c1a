/**
 * Authentication of every usage and assurance route: an API key in `x-api-key` (RATEL_API_KEYS)
 * or a bearer HS256 JWT signed with RATEL_JWT_SECRET, both through @app/auth. Anything else is
 * UNAUTHENTICATED (401). The caller's name (`apikey:<fingerprint>` or `jwt:<sub>`) is set on the
 * request for the log; the key itself never is.
 */
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { AuthenticationError, RequestAuthenticator, type RequestHeaders } from '@app/auth';
import { CLOCK, type Clock } from '@app/observability';
import type { InvoicingConfig } from '../config';
import { InvoicingError, InvoicingErrorCode } from './invoicing-error';
import { INVOICING_CONFIG } from './tokens';

export { API_KEY_HEADER } from '@app/auth';
export const ACTOR_REQUEST_KEY = 'ratelActor';

export interface RequestWithActor {
  headers: RequestHeaders;
  [ACTOR_REQUEST_KEY]?: string;
}

@Injectable()
export class InvoicingAuthGuard implements CanActivate {
  private readonly authenticator: RequestAuthenticator;

  constructor(
    @Inject(INVOICING_CONFIG) config: Pick<InvoicingConfig, 'RATEL_API_KEYS' | 'RATEL_JWT_SECRET'>,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.authenticator = new RequestAuthenticator(config.RATEL_API_KEYS, config.RATEL_JWT_SECRET);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<RequestWithActor>();
    request[ACTOR_REQUEST_KEY] = this.authenticate(request.headers);
    return true;
  }

  /** Returns the caller's name or throws UNAUTHENTICATED; an API key header, when present, must be valid. */
  authenticate(headers: RequestWithActor['headers']): string {
    try {
      return this.authenticator.authenticate(headers, this.clock.nowMs());
    } catch (e) {
      if (e instanceof AuthenticationError) throw new InvoicingError(InvoicingErrorCode.UNAUTHENTICATED, e.message);
      throw e;
    }
  }
}
