/**
 * HS256 JSON Web Token verification (RFC 7519 / RFC 7515) with node:crypto, for provisioning
 * clients that authenticate with a bearer token. Only HS256 is accepted: the header's `alg` must
 * say so (no `none`, no algorithm chosen by the token), `exp` is required and enforced, `nbf` is
 * enforced when present, and `sub` names the caller in the audit log.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Longest token accepted (bytes of the compact form). */
export const JWT_LENGTH_MAX = 4096;
/** Tolerated clock difference between the issuer and us when checking `exp` and `nbf`. */
export const JWT_CLOCK_SKEW_S = 30;
/** Longest `sub` claim (it ends up in the audit log). */
export const JWT_SUBJECT_LENGTH_MAX = 128;

const SEGMENT = /^[A-Za-z0-9_-]+$/;
const HS256_SIGNATURE_BYTES = 32;

export type JwtFailure = 'MALFORMED' | 'UNSUPPORTED_ALG' | 'BAD_SIGNATURE' | 'EXPIRED' | 'NOT_YET_VALID' | 'MISSING_CLAIM';

export class JwtError extends Error {
  constructor(
    readonly reason: JwtFailure,
    message: string,
  ) {
    super(message);
    this.name = 'JwtError';
  }
}

export interface JwtClaims {
  sub: string;
  exp: number;
  [claim: string]: unknown;
}

function decodeJsonObject(segment: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new JwtError('MALFORMED', `${what} is not base64url JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new JwtError('MALFORMED', `${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

function checkSignature(signingInput: string, signature: string, secret: string): void {
  const expected = createHmac('sha256', secret).update(signingInput).digest();
  const given = Buffer.from(signature, 'base64url');
  // Lengths are public (always 32 for HS256); the comparison of the bytes is constant-time.
  if (given.length !== HS256_SIGNATURE_BYTES || !timingSafeEqual(given, expected)) {
    throw new JwtError('BAD_SIGNATURE', 'signature does not verify');
  }
}

function checkTimes(claims: Record<string, unknown>, nowS: number): void {
  const { exp, nbf } = claims;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw new JwtError('MISSING_CLAIM', 'exp (a NumericDate) is required');
  if (nowS >= exp + JWT_CLOCK_SKEW_S) throw new JwtError('EXPIRED', 'token has expired');
  if (nbf !== undefined) {
    if (typeof nbf !== 'number' || !Number.isFinite(nbf)) throw new JwtError('MALFORMED', 'nbf is not a NumericDate');
    if (nowS + JWT_CLOCK_SKEW_S < nbf) throw new JwtError('NOT_YET_VALID', 'token is not valid yet');
  }
}

/** Verifies a compact HS256 JWT and returns its claims; throws JwtError saying why not. */
export function verifyHs256Jwt(token: string, secret: string, nowMs: number): JwtClaims {
  if (secret === '') throw new JwtError('BAD_SIGNATURE', 'JWT authentication is not configured');
  if (token.length > JWT_LENGTH_MAX) throw new JwtError('MALFORMED', `token longer than ${JWT_LENGTH_MAX} bytes`);
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) throw new JwtError('MALFORMED', 'expected three base64url segments');
  const [headerB64, payloadB64, signatureB64] = parts;
  const header = decodeJsonObject(headerB64, 'header');
  if (header.alg !== 'HS256') throw new JwtError('UNSUPPORTED_ALG', 'alg must be HS256');
  if (header.crit !== undefined) throw new JwtError('MALFORMED', 'crit header parameters are not supported');
  checkSignature(`${headerB64}.${payloadB64}`, signatureB64, secret);
  const claims = decodeJsonObject(payloadB64, 'payload');
  checkTimes(claims, Math.floor(nowMs / 1000));
  const { sub } = claims;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > JWT_SUBJECT_LENGTH_MAX) {
    throw new JwtError('MISSING_CLAIM', `sub (a string of 1 to ${JWT_SUBJECT_LENGTH_MAX} characters) is required`);
  }
  return claims as JwtClaims;
}

/** Signs claims as an HS256 JWT: for tests and for operators minting tokens (`node -e`), not used by the server. */
export function signHs256Jwt(claims: Record<string, unknown>, secret: string, header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' }): string {
  const h = Buffer.from(JSON.stringify(header)).toString('base64url');
  const p = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const s = createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url');
  return `${h}.${p}.${s}`;
}
