/**
 * Authentication of every usage and assurance route: an API key in `x-api-key` (RATEL_API_KEYS)
 * or a bearer HS256 JWT signed with RATEL_JWT_SECRET, both through @app/auth. Anything else is
 * UNAUTHENTICATED (401). The caller's name (`apikey:<fingerprint>` or `jwt:<sub>`) is set on the
 * request for the log; the key itself never is.
 */
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ApiKeySet, JwtError, verifyHs256Jwt } from '@app/auth';
import { CLOCK, type Clock } from '@app/observability';
import type { InvoicingConfig } from '../config';
import { InvoicingError, InvoicingErrorCode } from './invoicing-error';
import { INVOICING_CONFIG } from './tokens';

export const API_KEY_HEADER = 'x-api-key';
export const ACTOR_REQUEST_KEY = 'ratelActor';
const BEARER = /^Bearer ([^\s]+)$/;

export interface RequestWithActor {
  headers: Record<string, string | string[] | undefined>;
  [ACTOR_REQUEST_KEY]?: string;
}

function unauthenticated(message: string): InvoicingError {
  return new InvoicingError(InvoicingErrorCode.UNAUTHENTICATED, message);
}

/** A header given once; a repeated header (an array) counts as absent-and-wrong. */
function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? undefined : value;
}

@Injectable()
export class InvoicingAuthGuard implements CanActivate {
  private readonly keys: ApiKeySet;
  private readonly jwtSecret: string;

  constructor(
    @Inject(INVOICING_CONFIG) config: Pick<InvoicingConfig, 'RATEL_API_KEYS' | 'RATEL_JWT_SECRET'>,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.keys = new ApiKeySet(config.RATEL_API_KEYS);
    this.jwtSecret = config.RATEL_JWT_SECRET;
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<RequestWithActor>();
    request[ACTOR_REQUEST_KEY] = this.authenticate(request.headers);
    return true;
  }

  /** Returns the caller's name or throws UNAUTHENTICATED; an API key header, when present, must be valid. */
  authenticate(headers: RequestWithActor['headers']): string {
    const apiKey = headers[API_KEY_HEADER];
    if (apiKey !== undefined) {
      const key = singleHeader(apiKey);
      const fingerprint = key === undefined ? undefined : this.keys.match(key);
      if (fingerprint === undefined) throw unauthenticated('invalid API key');
      return `apikey:${fingerprint}`;
    }
    const authorization = singleHeader(headers.authorization);
    const bearer = authorization === undefined ? null : BEARER.exec(authorization);
    if (bearer === null) throw unauthenticated(`send an API key in ${API_KEY_HEADER} or a bearer JWT in Authorization`);
    if (this.jwtSecret === '') throw unauthenticated('bearer tokens are not accepted: RATEL_JWT_SECRET is not configured');
    try {
      return `jwt:${verifyHs256Jwt(bearer[1], this.jwtSecret, this.clock.nowMs()).sub}`;
    } catch (e) {
      if (e instanceof JwtError) throw unauthenticated(`invalid bearer token: ${e.message}`);
      throw e;
    }
  }
}
