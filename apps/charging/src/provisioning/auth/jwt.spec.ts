import { createHmac } from 'node:crypto';
import { JWT_CLOCK_SKEW_S, JWT_LENGTH_MAX, JwtError, signHs256Jwt, verifyHs256Jwt } from './jwt';

const SECRET = 'unit-test-secret';
const NOW_MS = 1_800_000_000_000;
const NOW_S = NOW_MS / 1000;

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof JwtError) return e.reason;
    throw e;
  }
  return 'ACCEPTED';
}

describe('verifyHs256Jwt', () => {
  it('accepts a valid token and returns its claims', () => {
    const token = signHs256Jwt({ sub: 'crm', exp: NOW_S + 60, scope: 'provisioning' }, SECRET);
    expect(verifyHs256Jwt(token, SECRET, NOW_MS)).toEqual({ sub: 'crm', exp: NOW_S + 60, scope: 'provisioning' });
  });

  it.each([
    ['expired', { sub: 'a', exp: NOW_S - JWT_CLOCK_SKEW_S }, 'EXPIRED'],
    ['expired within the skew is still accepted', { sub: 'a', exp: NOW_S - JWT_CLOCK_SKEW_S + 1 }, 'ACCEPTED'],
    ['missing exp', { sub: 'a' }, 'MISSING_CLAIM'],
    ['exp as a string', { sub: 'a', exp: String(NOW_S + 60) }, 'MISSING_CLAIM'],
    ['not yet valid', { sub: 'a', exp: NOW_S + 600, nbf: NOW_S + JWT_CLOCK_SKEW_S + 1 }, 'NOT_YET_VALID'],
    ['missing sub', { exp: NOW_S + 60 }, 'MISSING_CLAIM'],
    ['empty sub', { sub: '', exp: NOW_S + 60 }, 'MISSING_CLAIM'],
  ])('claims: %s', (_name, claims, reason) => {
    expect(reasonOf(() => verifyHs256Jwt(signHs256Jwt(claims, SECRET), SECRET, NOW_MS))).toBe(reason);
  });

  it.each([
    ['none', { alg: 'none', typ: 'JWT' }],
    ['HS512', { alg: 'HS512', typ: 'JWT' }],
    ['RS256', { alg: 'RS256', typ: 'JWT' }],
    ['lower-case hs256', { alg: 'hs256' }],
    ['no alg', { typ: 'JWT' }],
  ])('refuses alg %s even when the HMAC is right', (_name, header) => {
    const token = signHs256Jwt({ sub: 'a', exp: NOW_S + 60 }, SECRET, header);
    expect(reasonOf(() => verifyHs256Jwt(token, SECRET, NOW_MS))).toBe('UNSUPPORTED_ALG');
  });

  it('refuses an unsigned token (alg none, empty signature)', () => {
    const h = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const p = Buffer.from(JSON.stringify({ sub: 'a', exp: NOW_S + 60 })).toString('base64url');
    expect(reasonOf(() => verifyHs256Jwt(`${h}.${p}.`, SECRET, NOW_MS))).toBe('MALFORMED');
  });

  it('refuses a wrong secret, a tampered payload and a truncated signature', () => {
    const token = signHs256Jwt({ sub: 'a', exp: NOW_S + 60 }, SECRET);
    expect(reasonOf(() => verifyHs256Jwt(token, 'other-secret', NOW_MS))).toBe('BAD_SIGNATURE');
    const [h, , s] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'admin', exp: NOW_S + 60 })).toString('base64url');
    expect(reasonOf(() => verifyHs256Jwt(`${h}.${forged}.${s}`, SECRET, NOW_MS))).toBe('BAD_SIGNATURE');
    expect(reasonOf(() => verifyHs256Jwt(`${h}.${token.split('.')[1]}.${s.slice(0, 20)}`, SECRET, NOW_MS))).toBe('BAD_SIGNATURE');
  });

  it('checks the signature before trusting any claim', () => {
    // A forged token with an expired exp must fail on the signature, not leak "expired".
    const h = Buffer.from(JSON.stringify({ alg: 'HS256' })).toString('base64url');
    const p = Buffer.from(JSON.stringify({ sub: 'a', exp: 1 })).toString('base64url');
    const s = createHmac('sha256', 'wrong').update(`${h}.${p}`).digest('base64url');
    expect(reasonOf(() => verifyHs256Jwt(`${h}.${p}.${s}`, SECRET, NOW_MS))).toBe('BAD_SIGNATURE');
  });

  it.each([
    ['two segments', 'a.b'],
    ['four segments', 'a.b.c.d'],
    ['padding characters', 'eyJhbGciOiJIUzI1NiJ9=.e30.abc'],
    ['header not JSON', `${Buffer.from('nope').toString('base64url')}.e30.abc`],
    ['header a JSON array', `${Buffer.from('[]').toString('base64url')}.e30.abc`],
    ['too long', 'a'.repeat(JWT_LENGTH_MAX + 1)],
  ])('refuses malformed tokens: %s', (_name, token) => {
    expect(reasonOf(() => verifyHs256Jwt(token, SECRET, NOW_MS))).toBe('MALFORMED');
  });

  it('refuses everything when no secret is configured', () => {
    const token = signHs256Jwt({ sub: 'a', exp: NOW_S + 60 }, '');
    expect(reasonOf(() => verifyHs256Jwt(token, '', NOW_MS))).toBe('BAD_SIGNATURE');
  });
});
