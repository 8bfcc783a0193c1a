import { FakeClock } from '@app/observability';
import { ProvisioningError, ProvisioningErrorCode } from '../provisioning-error';
import { ApiKeySet, signHs256Jwt } from '@app/auth';
import { ProvisioningAuthGuard } from './auth.guard';

const NOW_MS = 1_800_000_000_000;

function guard(apiKeys: string, jwtSecret = ''): ProvisioningAuthGuard {
  return new ProvisioningAuthGuard({ RATEL_API_KEYS: apiKeys, RATEL_JWT_SECRET: jwtSecret }, new FakeClock(NOW_MS));
}

function failure(fn: () => unknown): ProvisioningErrorCode | 'ACCEPTED' {
  try {
    fn();
    return 'ACCEPTED';
  } catch (e) {
    if (e instanceof ProvisioningError) return e.code;
    throw e;
  }
}

describe('ApiKeySet', () => {
  it('matches any configured key, trimming the comma list, and fingerprints it', () => {
    const keys = new ApiKeySet(' first , second,,');
    expect(keys.size).toBe(2);
    expect(keys.match('second')).toMatch(/^[0-9a-f]{12}$/);
    expect(keys.match('first')).not.toBe(keys.match('second'));
  });

  it.each(['', 'secon', 'second ', 'SECOND', 'x'.repeat(10_000)])('refuses %p', (presented) => {
    expect(new ApiKeySet('first,second').match(presented)).toBeUndefined();
  });

  it('matches nothing when no key is configured', () => {
    expect(new ApiKeySet('').match('')).toBeUndefined();
    expect(new ApiKeySet(',').match('anything')).toBeUndefined();
  });
});

describe('ProvisioningAuthGuard', () => {
  it('accepts a configured API key and names the caller by fingerprint, never by key', () => {
    const actor = guard('k1,k2').authenticate({ 'x-api-key': 'k2' });
    expect(actor).toMatch(/^apikey:[0-9a-f]{12}$/);
    expect(actor).not.toContain('k2');
  });

  it('refuses anonymous requests, unknown keys and repeated key headers', () => {
    const g = guard('k1', 'secret');
    expect(failure(() => g.authenticate({}))).toBe(ProvisioningErrorCode.UNAUTHENTICATED);
    expect(failure(() => g.authenticate({ 'x-api-key': 'nope' }))).toBe(ProvisioningErrorCode.UNAUTHENTICATED);
    expect(failure(() => g.authenticate({ 'x-api-key': ['k1', 'k1'] }))).toBe(ProvisioningErrorCode.UNAUTHENTICATED);
  });

  it('does not fall back to the bearer token when the API key is wrong', () => {
    const token = signHs256Jwt({ sub: 'crm', exp: NOW_MS / 1000 + 60 }, 'secret');
    expect(failure(() => guard('k1', 'secret').authenticate({ 'x-api-key': 'bad', authorization: `Bearer ${token}` }))).toBe(ProvisioningErrorCode.UNAUTHENTICATED);
  });

  it('accepts a valid bearer JWT and names the caller by sub', () => {
    const token = signHs256Jwt({ sub: 'crm', exp: NOW_MS / 1000 + 60 }, 'secret');
    expect(guard('', 'secret').authenticate({ authorization: `Bearer ${token}` })).toBe('jwt:crm');
  });

  it('refuses expired, wrong-alg and wrongly signed JWTs, other schemes, and JWTs when no secret is set', () => {
    const g = guard('k1', 'secret');
    const expired = signHs256Jwt({ sub: 'crm', exp: NOW_MS / 1000 - 3600 }, 'secret');
    const wrongAlg = signHs256Jwt({ sub: 'crm', exp: NOW_MS / 1000 + 60 }, 'secret', { alg: 'HS384' });
    const wrongKey = signHs256Jwt({ sub: 'crm', exp: NOW_MS / 1000 + 60 }, 'other');
    for (const token of [expired, wrongAlg, wrongKey]) {
      expect(failure(() => g.authenticate({ authorization: `Bearer ${token}` }))).toBe(ProvisioningErrorCode.UNAUTHENTICATED);
    }
    expect(failure(() => g.authenticate({ authorization: 'Basic azE6' }))).toBe(ProvisioningErrorCode.UNAUTHENTICATED);
    const valid = signHs256Jwt({ sub: 'crm', exp: NOW_MS / 1000 + 60 }, 'secret');
    expect(failure(() => guard('k1', '').authenticate({ authorization: `Bearer ${valid}` }))).toBe(ProvisioningErrorCode.UNAUTHENTICATED);
  });
});
