/**
 * Authentication of every provisioning route (reads and writes): an API key in `x-api-key` or a
 * bearer HS256 JWT signed with RATEL_JWT_SECRET. Anything else is UNAUTHENTICATED (401).
 */
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { CHARGING_CONFIG, type ChargingConfig } from '@app/config';
import { CLOCK, type Clock } from '@app/observability';
import { ProvisioningError, ProvisioningErrorCode } from '../provisioning-error';
import { ACTOR_REQUEST_KEY, type Actor, type RequestWithActor } from './actor';
import { ApiKeySet, JwtError, verifyHs256Jwt } from '@app/auth';

export const API_KEY_HEADER = 'x-api-key';
const BEARER = /^Bearer ([^\s]+)$/;

function unauthenticated(message: string): ProvisioningError {
  return new ProvisioningError(ProvisioningErrorCode.UNAUTHENTICATED, message);
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? undefined : value;
}

@Injectable()
export class ProvisioningAuthGuard implements CanActivate {
  private readonly keys: ApiKeySet;
  private readonly jwtSecret: string;

  constructor(@Inject(CHARGING_CONFIG) config: Pick<ChargingConfig, 'RATEL_API_KEYS' | 'RATEL_JWT_SECRET'>, @Inject(CLOCK) private readonly clock: Clock) {
    this.keys = new ApiKeySet(config.RATEL_API_KEYS);
    this.jwtSecret = config.RATEL_JWT_SECRET;
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<RequestWithActor>();
    request[ACTOR_REQUEST_KEY] = this.authenticate(request.headers);
    return true;
  }

  /** Returns the actor or throws UNAUTHENTICATED; an API key header, when present, must be valid. */
  authenticate(headers: RequestWithActor['headers']): Actor {
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
