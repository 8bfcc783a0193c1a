/**
 * What every app's auth guard does before it maps errors to its own: authenticate the request of a
 * Nest route (API key or bearer JWT) and check the role the route declares (`requiredRoleOf`).
 * Throws AuthenticationError (no valid credential) or AuthorizationError (the role is missing); the
 * guard turns them into its domain's UNAUTHENTICATED and FORBIDDEN_ROLE.
 */
import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { authorize, type Credential, type RequestAuthenticator, type RequestHeaders } from './authenticate';
import { requiredRoleOf } from './required-role';

export async function authorizeRoute(p: {
  authenticator: RequestAuthenticator;
  reflector: Reflector;
  context: ExecutionContext;
  nowMs: number;
}): Promise<Credential> {
  const request = p.context.switchToHttp().getRequest<{ headers: RequestHeaders }>();
  const credential = await p.authenticator.authenticate(request.headers, p.nowMs);
  authorize(credential, requiredRoleOf(p.reflector, p.context));
  return credential;
}
