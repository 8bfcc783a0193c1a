/** Who is calling: set on the request by ProvisioningAuthGuard, written to the audit log. */
import { createParamDecorator, ExecutionContext } from '@nestjs/common';

export const ACTOR_REQUEST_KEY = 'ratelActor';

/** `apikey:<fingerprint>` or `jwt:<sub>`. */
export type Actor = string;

export interface RequestWithActor {
  headers: Record<string, string | string[] | undefined>;
  [ACTOR_REQUEST_KEY]?: Actor;
}

/** The authenticated caller; the guard runs first, so a handler never sees an anonymous request. */
export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  const actor = ctx.switchToHttp().getRequest<RequestWithActor>()[ACTOR_REQUEST_KEY];
  if (actor === undefined) throw new Error('CurrentActor used on a route without ProvisioningAuthGuard');
  return actor;
});
