/**
 * Authentication of one HTTP request from its headers, shared by every REST API: an API key in
 * `x-api-key` (checked in constant time) or `Authorization: Bearer <HS256 JWT>`. Returns the
 * caller's name for logs and audit (`apikey:<fingerprint>` or `jwt:<sub>`), never the key itself;
 * throws AuthenticationError with the reason otherwise. Each app maps that error to its own 401.
 */
import { ApiKeySet } from './api-key';
import { JwtError, verifyHs256Jwt } from './jwt';

export const API_KEY_HEADER = 'x-api-key';
const BEARER = /^Bearer ([^\s]+)$/;

export type RequestHeaders = Record<string, string | string[] | undefined>;

export class AuthenticationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthenticationError';
  }
}

/** A header given once; a repeated header (an array) counts as absent-and-wrong. */
function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? undefined : value;
}

export class RequestAuthenticator {
  private readonly keys: ApiKeySet;

  constructor(apiKeys: string, private readonly jwtSecret: string) {
    this.keys = new ApiKeySet(apiKeys);
  }

  /** The caller's name; an API key header, when present, must be valid (no fall-through to JWT). */
  authenticate(headers: RequestHeaders, nowMs: number): string {
    const apiKey = headers[API_KEY_HEADER];
    if (apiKey !== undefined) {
      const key = singleHeader(apiKey);
      const fingerprint = key === undefined ? undefined : this.keys.match(key);
      if (fingerprint === undefined) throw new AuthenticationError('invalid API key');
      return `apikey:${fingerprint}`;
    }
    const authorization = singleHeader(headers.authorization);
    const bearer = authorization === undefined ? null : BEARER.exec(authorization);
    if (bearer === null) throw new AuthenticationError(`send an API key in ${API_KEY_HEADER} or a bearer JWT in Authorization`);
    if (this.jwtSecret === '') throw new AuthenticationError('bearer tokens are not accepted: RATEL_JWT_SECRET is not configured');
    try {
      return `jwt:${verifyHs256Jwt(bearer[1], this.jwtSecret, nowMs).sub}`;
    } catch (e) {
      if (e instanceof JwtError) throw new AuthenticationError(`invalid bearer token: ${e.message}`);
      throw e;
    }
  }
}
