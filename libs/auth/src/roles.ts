/**
 * Roles (scopes) of a credential. Each endpoint declares the one role it needs; a credential holds
 * a set of them. Roles are independent: `admin` does not imply `read` or `write`.
 * - read: GET endpoints (provisioning reads, usage and assurance reports);
 * - write: provisioning mutations (customers, accounts, subscriptions, grants, top-ups);
 * - admin: operations that act on the whole system (POST /v1/admin/rebuild-projection);
 * - billing, collections: the billing and collections APIs' operations;
 * - approver: the second pair of eyes on money going out (collections' held refunds): never the requester.
 */
export const ROLES = ['read', 'write', 'admin', 'billing', 'collections', 'approver'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What a credential that names no role gets (an API key listed without roles, a JWT with neither a
 * `scope` nor a `roles` claim): what every credential could do before roles existed, except admin.
 */
export const DEFAULT_ROLES: readonly Role[] = ['read', 'write'];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
