/**
 * Bearer JWT verification with `jose`: HS256 against a shared secret (RATEL_JWT_SECRET) and RS256 or
 * ES256 against the keys of a JWKS URL (RATEL_JWT_JWKS_URL). The algorithm list is ours, never the
 * token's: a token whose `alg` is not one we configured is refused before any key is looked at.
 * `exp` and `sub` are required, `nbf` enforced when present, `iss` and `aud` checked when
 * configured. A JWKS is cached; a token naming an unknown `kid` makes the set be fetched again (at
 * most once per cooldown), which is how a rotated key is picked up.
 */
import { createHmac } from 'node:crypto';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';

/** Longest token accepted (characters of the compact form). */
export const JWT_MAX_LENGTH = 8192;
/** Tolerated clock difference between the issuer and us when checking `exp` and `nbf`. */
export const JWT_CLOCK_SKEW_S = 30;
/** Longest `sub` claim (it ends up in the audit log). */
export const JWT_SUBJECT_MAX_LENGTH = 128;
/** Bound of one JWKS download. */
export const JWKS_FETCH_TIMEOUT_MS = 5_000;
/** After a download, the least time before an unknown `kid` makes the set be fetched again. */
export const JWKS_REFETCH_COOLDOWN_MS = 30_000;
/** Age after which the cached set is fetched again even when every `kid` is known. */
export const JWKS_CACHE_AGE_MAX_MS = 10 * 60_000;

/** Algorithms verified with RATEL_JWT_SECRET. */
export const JWT_SECRET_ALGORITHMS = ['HS256'] as const;
/** Algorithms verified with the keys of RATEL_JWT_JWKS_URL. */
export const JWT_JWKS_ALGORITHMS = ['RS256', 'ES256'] as const;

export type JwtFailure =
  | 'MALFORMED'
  | 'UNSUPPORTED_ALG'
  | 'BAD_SIGNATURE'
  | 'UNKNOWN_KEY'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'MISSING_CLAIM'
  | 'INVALID_CLAIM'
  | 'JWKS_UNAVAILABLE';

export class JwtError extends Error {
  constructor(
    readonly reason: JwtFailure,
    message: string,
  ) {
    super(message);
    this.name = 'JwtError';
  }
}

export interface JwtVerifierOptions {
  /** HS256 secret; empty or absent: HS256 tokens are refused. */
  secret?: string;
  /** JWKS URL (RS256, ES256); empty or absent: those tokens are refused. */
  jwksUrl?: string;
  /** Required `iss`, when set. */
  issuer?: string;
  /** Accepted `aud` values (the token must name one), when set. */
  audiences?: readonly string[];
  /** JWKS_REFETCH_COOLDOWN_MS unless given (tests use 0). */
  jwksRefetchCooldownMs?: number;
}

export interface JwtClaims extends JWTPayload {
  sub: string;
  exp: number;
}

const CLAIM_FAILURES: Readonly<Record<string, JwtFailure>> = {
  ERR_JWT_EXPIRED: 'EXPIRED',
  ERR_JOSE_ALG_NOT_ALLOWED: 'UNSUPPORTED_ALG',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'BAD_SIGNATURE',
  ERR_JWKS_NO_MATCHING_KEY: 'UNKNOWN_KEY',
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: 'UNKNOWN_KEY',
};

/** The JwtError a failed `jwtVerify` stands for. */
function failureOf(err: unknown): JwtError {
  if (err instanceof JwtError) return err;
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === 'missing') return new JwtError('MISSING_CLAIM', `the ${err.claim} claim is required`);
    if (err.claim === 'nbf') return new JwtError('NOT_YET_VALID', 'token is not valid yet');
    return new JwtError('INVALID_CLAIM', `${err.claim}: ${err.message}`);
  }
  if (err instanceof errors.JOSEError) return new JwtError(CLAIM_FAILURES[err.code] ?? 'MALFORMED', err.message);
  throw err;
}

export class JwtVerifier {
  private readonly algorithms: string[];
  private readonly getKey: JWTVerifyGetKey;

  constructor(private readonly options: JwtVerifierOptions) {
    const secret = options.secret ?? '';
    const jwksUrl = options.jwksUrl ?? '';
    const secretKey = new TextEncoder().encode(secret);
    const jwks =
      jwksUrl === ''
        ? undefined
        : createRemoteJWKSet(new URL(jwksUrl), {
            timeoutDuration: JWKS_FETCH_TIMEOUT_MS,
            cooldownDuration: options.jwksRefetchCooldownMs ?? JWKS_REFETCH_COOLDOWN_MS,
            cacheMaxAge: JWKS_CACHE_AGE_MAX_MS,
          });
    this.algorithms = [...(secret === '' ? [] : JWT_SECRET_ALGORITHMS), ...(jwks === undefined ? [] : JWT_JWKS_ALGORITHMS)];
    // jose checks `alg` against this.algorithms before asking for a key, so HS256 never reaches the JWKS.
    this.getKey = async (header, token) => {
      if (header.alg === 'HS256') return secretKey;
      try {
        return await jwks!(header, token); // RS/ES algs are allowed only with a JWKS
      } catch (err) {
        // No key of the set fits the token: the token's fault. Anything else is the set's (not fetched, not valid).
        if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) throw err;
        throw new JwtError('JWKS_UNAVAILABLE', `the JWKS could not be used: ${(err as Error).message}`);
      }
    };
  }

  /** True when some algorithm is configured; a verifier without any refuses every token. */
  get enabled(): boolean {
    return this.algorithms.length > 0;
  }

  /** Verifies a compact JWT and returns its claims; throws JwtError saying why not. */
  async verify(token: string, nowMs: number): Promise<JwtClaims> {
    if (!this.enabled)
      throw new JwtError('UNSUPPORTED_ALG', 'bearer tokens are not accepted: neither RATEL_JWT_SECRET nor RATEL_JWT_JWKS_URL is set');
    if (token.length > JWT_MAX_LENGTH) throw new JwtError('MALFORMED', `token longer than ${JWT_MAX_LENGTH} characters`);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.getKey, {
        algorithms: this.algorithms,
        issuer: this.options.issuer || undefined,
        audience: this.options.audiences?.length ? [...this.options.audiences] : undefined,
        clockTolerance: JWT_CLOCK_SKEW_S,
        currentDate: new Date(nowMs),
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (err) {
      const failure = failureOf(err);
      if (failure.reason === 'UNSUPPORTED_ALG') throw new JwtError('UNSUPPORTED_ALG', `alg must be one of ${this.algorithms.join(', ')}`);
      throw failure;
    }
    const { sub } = payload;
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > JWT_SUBJECT_MAX_LENGTH) {
      throw new JwtError('INVALID_CLAIM', `sub must be a string of 1 to ${JWT_SUBJECT_MAX_LENGTH} characters`);
    }
    return payload as JwtClaims;
  }
}

/**
 * Signs claims as an HS256 JWT with any header (tests use it to forge wrong-alg tokens; operators
 * can mint a token with `node -e`). The server never signs.
 */
export function signHs256Jwt(
  claims: Record<string, unknown>,
  secret: string,
  header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' },
): string {
  const h = Buffer.from(JSON.stringify(header)).toString('base64url');
  const p = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const s = createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url');
  return `${h}.${p}.${s}`;
}
