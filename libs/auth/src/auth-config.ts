/**
 * The authentication variables every REST app reads, as a zod shape to spread into its config
 * schema, so both apps accept and validate them the same way. Values stay strings (RATEL_API_KEYS
 * and RATEL_JWT_SECRET are secrets the apps redact); the guards parse them once at start.
 */
import { z } from 'zod';
import { ApiKeyConfigError, parseApiKeys } from './api-key';
import type { AuthenticatorOptions } from './authenticate';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** RATEL_JWT_AUDIENCE: a comma list; empty = `aud` is not checked. */
export function audiencesOf(value: string): string[] {
  return value
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
}

const apiKeys = z
  .string()
  .default('')
  .superRefine((v, ctx) => {
    try {
      parseApiKeys(v);
    } catch (e) {
      if (!(e instanceof ApiKeyConfigError)) throw e;
      ctx.addIssue({ code: 'custom', message: e.message });
    }
  });

/** https, or http on a loopback address (a JWKS fetched in clear text could be replaced on the way). */
const jwksUrl = z
  .string()
  .default('')
  .refine((v) => {
    if (v === '') return true;
    if (!URL.canParse(v)) return false;
    const u = new URL(v);
    return u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK_HOSTS.has(u.hostname));
  }, 'must be an https:// URL (http:// only on a loopback address)');

export const authConfigShape = {
  /** API keys and their roles: `key[:role+role],...` (api-key.ts); secret. */
  RATEL_API_KEYS: apiKeys,
  /** HS256 secret of bearer JWTs; empty: HS256 tokens are refused. Secret. */
  RATEL_JWT_SECRET: z.string().default(''),
  /** JWKS of the issuer of RS256/ES256 bearer JWTs; empty: those tokens are refused. */
  RATEL_JWT_JWKS_URL: jwksUrl,
  /** Required `iss` of bearer JWTs; empty: not checked. */
  RATEL_JWT_ISSUER: z.string().max(256).default(''),
  /** Accepted `aud` values of bearer JWTs, comma-separated; empty: not checked. */
  RATEL_JWT_AUDIENCE: z.string().max(1024).default(''),
};

export type AuthConfig = { [K in keyof typeof authConfigShape]: string };

/** True when some credential can authenticate: an API key, a JWT secret or a JWKS. */
export function hasCredentials(c: AuthConfig): boolean {
  return parseApiKeys(c.RATEL_API_KEYS).length > 0 || c.RATEL_JWT_SECRET !== '' || c.RATEL_JWT_JWKS_URL !== '';
}

/** The authenticator's options from the validated configuration. */
export function authenticatorOptions(c: AuthConfig): AuthenticatorOptions {
  return {
    apiKeys: c.RATEL_API_KEYS,
    secret: c.RATEL_JWT_SECRET,
    jwksUrl: c.RATEL_JWT_JWKS_URL,
    issuer: c.RATEL_JWT_ISSUER,
    audiences: audiencesOf(c.RATEL_JWT_AUDIENCE),
  };
}
