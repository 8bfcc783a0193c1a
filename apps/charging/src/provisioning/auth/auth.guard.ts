/**
 * Authentication of every provisioning route (reads and writes): an API key in `x-api-key` or a
 * bearer HS256 JWT signed with RATEL_JWT_SECRET (@app/auth). Anything else is UNAUTHENTICATED (401).
 */
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { AuthenticationError, RequestAuthenticator } from '@app/auth';
import { CHARGING_CONFIG, type ChargingConfig } from '@app/config';
import { CLOCK, type Clock } from '@app/observability';
import { ProvisioningError, ProvisioningErrorCode } from '../provisioning-error';
import { ACTOR_REQUEST_KEY, type Actor, type RequestWithActor } from './actor';

export { API_KEY_HEADER } from '@app/auth';

@Injectable()
export class ProvisioningAuthGuard implements CanActivate {
  private readonly authenticator: RequestAuthenticator;

  constructor(@Inject(CHARGING_CONFIG) config: Pick<ChargingConfig, 'RATEL_API_KEYS' | 'RATEL_JWT_SECRET'>, @Inject(CLOCK) private readonly clock: Clock) {
    this.authenticator = new RequestAuthenticator(config.RATEL_API_KEYS, config.RATEL_JWT_SECRET);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<RequestWithActor>();
    request[ACTOR_REQUEST_KEY] = this.authenticate(request.headers);
    return true;
  }

  /** Returns the actor or throws UNAUTHENTICATED; an API key header, when present, must be valid. */
  authenticate(headers: RequestWithActor['headers']): Actor {
    try {
      return this.authenticator.authenticate(headers, this.clock.nowMs());
    } catch (e) {
      if (e instanceof AuthenticationError) throw new ProvisioningError(ProvisioningErrorCode.UNAUTHENTICATED, e.message);
      throw e;
    }
  }
}
