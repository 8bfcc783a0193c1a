/**
 * The role an endpoint needs, declared next to its route (`@RequiresRole('admin')`) and read by
 * each app's auth guard. A route that declares none needs `read` for GET/HEAD and `write` for
 * anything else, never more: so a route someone forgot to annotate is never admin-only by accident
 * nor open to a read-only credential.
 */
import { type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { Role } from './roles';

export const REQUIRED_ROLE_METADATA = 'ratel:requiredRole';

/** Declares the role a route (or every route of a controller) needs; the handler's wins. */
export const RequiresRole = (role: Role): MethodDecorator & ClassDecorator => SetMetadata(REQUIRED_ROLE_METADATA, role);

/** The role the route of `context` needs (declared, else by HTTP method). */
export function requiredRoleOf(reflector: Reflector, context: ExecutionContext): Role {
  const declared = reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE_METADATA, [context.getHandler(), context.getClass()]);
  if (declared !== undefined) return declared;
  const method = context.switchToHttp().getRequest<{ method: string }>().method;
  return method === 'GET' || method === 'HEAD' ? 'read' : 'write';
}
