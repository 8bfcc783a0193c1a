/**
 * Authentication and authorization of one HTTP request from its headers, shared by every REST API:
 * an API key in `x-api-key` (checked in constant time) or `Authorization: Bearer <JWT>` (jwt.ts).
 * The result is a Credential: the caller's name for logs and audit (`apikey:<fingerprint>` or
 * `jwt:<sub>`, never the key itself) and its roles. Failures are AuthenticationError (each app
 * answers 401) and AuthorizationError (403 naming the role that was needed).
 */
import { ApiKeySet } from './api-key';
import { JwtError, JwtVerifier, type JwtVerifierOptions } from './jwt';
import { DEFAULT_ROLES, isRole, type Role } from './roles';

export const API_KEY_HEADER = 'x-api-key';
const BEARER = /^Bearer ([^\s]+)$/;

export type RequestHeaders = Record<string, string | string[] | undefined>;

export interface Credential {
  /** `apikey:<fingerprint>` or `jwt:<sub>`. */
  name: string;
  roles: readonly Role[];
  /**
   * The one billing account a portal user's JWT is for (its `ratel_account` claim), if any: such a
   * caller reads that account's documents only.
   */
  accountId?: string;
}

/** The JWT claim naming the billing account of a portal user. */
export const ACCOUNT_CLAIM = 'ratel_account';
const ACCOUNT_CLAIM_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export class AuthenticationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthenticationError';
  }
}

export class AuthorizationError extends Error {
  constructor(
    readonly requiredRole: Role,
    message: string,
  ) {
    super(message);
    this.name = 'AuthorizationError';
  }
}

/** A header given once; a repeated header (an array) counts as absent-and-wrong. */
function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? undefined : value;
}

/**
 * The roles a verified token grants: the known roles named by `scope` (space-separated, RFC 8693)
 * and `roles` (an array of strings); unknown names are ignored (the token may carry scopes of other
 * services). A token with neither claim gets DEFAULT_ROLES; one with a malformed claim is refused.
 */
export function rolesOfClaims(claims: Record<string, unknown>): readonly Role[] {
  const { scope, roles } = claims;
  if (scope === undefined && roles === undefined) return DEFAULT_ROLES;
  if (scope !== undefined && typeof scope !== 'string') throw new JwtError('INVALID_CLAIM', 'scope must be a space-separated string');
  if (roles !== undefined && (!Array.isArray(roles) || !roles.every((r) => typeof r === 'string'))) {
    throw new JwtError('INVALID_CLAIM', 'roles must be an array of strings');
  }
  const named = [...(scope === undefined ? [] : scope.split(' ')), ...((roles as string[] | undefined) ?? [])];
  return [...new Set(named.filter(isRole))];
}

export interface AuthenticatorOptions extends JwtVerifierOptions {
  /** RATEL_API_KEYS (api-key.ts syntax). */
  apiKeys: string;
}

export class RequestAuthenticator {
  private readonly keys: ApiKeySet;
  private readonly jwt: JwtVerifier;

  constructor(options: AuthenticatorOptions) {
    this.keys = new ApiKeySet(options.apiKeys);
    this.jwt = new JwtVerifier(options);
  }

  /** The caller; an API key header, when present, must be valid (no fall-through to the JWT). */
  async authenticate(headers: RequestHeaders, nowMs: number): Promise<Credential> {
    const apiKey = headers[API_KEY_HEADER];
    if (apiKey !== undefined) {
      const key = singleHeader(apiKey);
      const matched = key === undefined ? undefined : this.keys.match(key);
      if (matched === undefined) throw new AuthenticationError('invalid API key');
      return { name: `apikey:${matched.fingerprint}`, roles: matched.roles };
    }
    const authorization = singleHeader(headers.authorization);
    const bearer = authorization === undefined ? null : BEARER.exec(authorization);
    if (bearer === null) throw new AuthenticationError(`send an API key in ${API_KEY_HEADER} or a bearer JWT in Authorization`);
    try {
      const claims = await this.jwt.verify(bearer[1], nowMs);
      const account = claims[ACCOUNT_CLAIM];
      if (account !== undefined && (typeof account !== 'string' || !ACCOUNT_CLAIM_PATTERN.test(account)))
        throw new AuthenticationError(`the ${ACCOUNT_CLAIM} claim must be a billing account id`);
      return { name: `jwt:${claims.sub}`, roles: rolesOfClaims(claims), ...(account === undefined ? {} : { accountId: account }) };
    } catch (e) {
      if (e instanceof JwtError) throw new AuthenticationError(`invalid bearer token: ${e.message}`);
      throw e;
    }
  }
}

/** Throws AuthorizationError unless the credential holds `role`. */
export function authorize(credential: Credential, role: Role): void {
  if (!credential.roles.includes(role)) {
    const held = credential.roles.length === 0 ? 'none' : credential.roles.join(', ');
    throw new AuthorizationError(role, `this endpoint needs the ${role} role; the credential has ${held}`);
  }
}
