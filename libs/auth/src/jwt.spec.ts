/** HS256 verification through jose (no server); RS256/ES256 with a JWKS are in test/jwks.integration-spec.ts. */
import { SignJWT } from 'jose';
import { JWT_CLOCK_SKEW_S, JWT_MAX_LENGTH, JwtError, type JwtFailure, JwtVerifier, signHs256Jwt } from './jwt';
import { AuthenticationError, RequestAuthenticator, rolesOfClaims } from './authenticate';

const SECRET = 'unit-test-secret';
const NOW_MS = 1_800_000_000_000;
const NOW_S = NOW_MS / 1000;
const verifier = new JwtVerifier({ secret: SECRET });

async function reasonOf(token: string, v = verifier): Promise<JwtFailure | 'ACCEPTED'> {
  try {
    await v.verify(token, NOW_MS);
    return 'ACCEPTED';
  } catch (e) {
    if (e instanceof JwtError) return e.reason;
    throw e;
  }
}

describe('JwtVerifier, HS256', () => {
  it('accepts a valid token (signed by jose or by hand) and returns its claims', async () => {
    const token = await new SignJWT({ scope: 'read' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('crm')
      .setExpirationTime(NOW_S + 60)
      .sign(new TextEncoder().encode(SECRET));
    expect(await verifier.verify(token, NOW_MS)).toEqual({ sub: 'crm', exp: NOW_S + 60, scope: 'read' });
    expect(await reasonOf(signHs256Jwt({ sub: 'crm', exp: NOW_S + 60 }, SECRET))).toBe('ACCEPTED');
  });

  it.each([
    ['expired', { sub: 'a', exp: NOW_S - JWT_CLOCK_SKEW_S - 1 }, 'EXPIRED'],
    ['expired within the skew is still accepted', { sub: 'a', exp: NOW_S - JWT_CLOCK_SKEW_S + 1 }, 'ACCEPTED'],
    ['missing exp', { sub: 'a' }, 'MISSING_CLAIM'],
    ['exp as a string', { sub: 'a', exp: String(NOW_S + 60) }, 'INVALID_CLAIM'],
    ['not yet valid', { sub: 'a', exp: NOW_S + 600, nbf: NOW_S + JWT_CLOCK_SKEW_S + 1 }, 'NOT_YET_VALID'],
    ['missing sub', { exp: NOW_S + 60 }, 'MISSING_CLAIM'],
    ['empty sub', { sub: '', exp: NOW_S + 60 }, 'INVALID_CLAIM'],
    ['over-long sub', { sub: 's'.repeat(129), exp: NOW_S + 60 }, 'INVALID_CLAIM'],
  ])('claims: %s', async (_name, claims, reason) => {
    expect(await reasonOf(signHs256Jwt(claims, SECRET))).toBe(reason);
  });

  it.each([
    ['none', { alg: 'none', typ: 'JWT' }],
    ['HS512', { alg: 'HS512', typ: 'JWT' }],
    ['RS256 (no JWKS configured)', { alg: 'RS256', typ: 'JWT' }],
    ['lower-case hs256', { alg: 'hs256' }],
  ])('refuses alg %s even when the HMAC is right', async (_name, header) => {
    expect(await reasonOf(signHs256Jwt({ sub: 'a', exp: NOW_S + 60 }, SECRET, header))).toBe('UNSUPPORTED_ALG');
  });

  it('refuses an unsigned token, a wrong secret, a tampered payload and a truncated signature', async () => {
    const h = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const p = Buffer.from(JSON.stringify({ sub: 'a', exp: NOW_S + 60 })).toString('base64url');
    expect(await reasonOf(`${h}.${p}.`)).toBe('UNSUPPORTED_ALG');
    const token = signHs256Jwt({ sub: 'a', exp: NOW_S + 60 }, SECRET);
    expect(await reasonOf(signHs256Jwt({ sub: 'a', exp: NOW_S + 60 }, 'other-secret'))).toBe('BAD_SIGNATURE');
    const [hh, , s] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'admin', exp: NOW_S + 60 })).toString('base64url');
    expect(await reasonOf(`${hh}.${forged}.${s}`)).toBe('BAD_SIGNATURE');
    expect(await reasonOf(`${hh}.${token.split('.')[1]}.${s.slice(0, 20)}`)).toBe('BAD_SIGNATURE');
  });

  it('checks the signature before trusting any claim', async () => {
    // A forged token with an expired exp must fail on the signature, not leak "expired".
    expect(await reasonOf(signHs256Jwt({ sub: 'a', exp: 1 }, 'wrong'))).toBe('BAD_SIGNATURE');
  });

  it.each([
    ['two segments', 'a.b'],
    ['four segments', 'a.b.c.d'],
    ['header not JSON', `${Buffer.from('nope').toString('base64url')}.e30.abc`],
    ['too long', 'a'.repeat(JWT_MAX_LENGTH + 1)],
  ])('refuses malformed tokens: %s', async (_name, token) => {
    expect(await reasonOf(token)).toBe('MALFORMED');
  });

  it('checks iss and aud when configured', async () => {
    const v = new JwtVerifier({ secret: SECRET, issuer: 'https://idp.example', audiences: ['ratel', 'ratel-admin'] });
    const claims = { sub: 'a', exp: NOW_S + 60, iss: 'https://idp.example', aud: 'ratel' };
    expect(await reasonOf(signHs256Jwt(claims, SECRET), v)).toBe('ACCEPTED');
    expect(await reasonOf(signHs256Jwt({ ...claims, iss: 'https://evil.example' }, SECRET), v)).toBe('INVALID_CLAIM');
    expect(await reasonOf(signHs256Jwt({ ...claims, aud: 'other' }, SECRET), v)).toBe('INVALID_CLAIM');
    expect(await reasonOf(signHs256Jwt({ sub: 'a', exp: NOW_S + 60 }, SECRET), v)).toBe('MISSING_CLAIM');
  });

  it('refuses every token when neither a secret nor a JWKS is configured', async () => {
    expect(await reasonOf(signHs256Jwt({ sub: 'a', exp: NOW_S + 60 }, ''), new JwtVerifier({ secret: '' }))).toBe('UNSUPPORTED_ALG');
  });
});

describe('roles of a token', () => {
  it.each([
    [{}, ['read', 'write']],
    [{ scope: 'read admin openid' }, ['read', 'admin']],
    [{ roles: ['billing', 'other'] }, ['billing']],
    [{ scope: 'read', roles: ['read', 'collections'] }, ['read', 'collections']],
    [{ scope: 'openid profile' }, []],
  ])('%j -> %j', (claims, roles) => {
    expect(rolesOfClaims(claims)).toEqual(roles);
  });

  it('refuses malformed scope and roles claims', async () => {
    const auth = new RequestAuthenticator({ apiKeys: '', secret: SECRET });
    for (const bad of [{ scope: ['read'] }, { roles: 'admin' }, { roles: [1] }]) {
      const token = signHs256Jwt({ sub: 'a', exp: Math.floor(Date.now() / 1000) + 60, ...bad }, SECRET);
      await expect(auth.authenticate({ authorization: `Bearer ${token}` }, Date.now())).rejects.toThrow(AuthenticationError);
    }
  });
});
