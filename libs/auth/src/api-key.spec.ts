import { ApiKeyConfigError, ApiKeySet, parseApiKeys } from './api-key';
import { authConfigShape, hasCredentials } from './auth-config';

describe('RATEL_API_KEYS', () => {
  it('reads the plain comma list of earlier releases: every key gets read and write, not admin', () => {
    const keys = new ApiKeySet(' first , second,,');
    expect(keys.size).toBe(2);
    expect(keys.match('second')).toEqual({ fingerprint: expect.stringMatching(/^[0-9a-f]{12}$/), roles: ['read', 'write'] });
    expect(keys.match('first')?.fingerprint).not.toBe(keys.match('second')?.fingerprint);
  });

  it('reads roles after a colon, joined with +', () => {
    const keys = new ApiKeySet('crm:read+write,ops:admin,bi:read,bill:billing+collections');
    expect(keys.match('crm')?.roles).toEqual(['read', 'write']);
    expect(keys.match('ops')?.roles).toEqual(['admin']);
    expect(keys.match('bi')?.roles).toEqual(['read']);
    expect(keys.match('bill')?.roles).toEqual(['billing', 'collections']);
    expect(keys.match('ops:admin')).toBeUndefined();
  });

  it.each(['', 'secon', 'second ', 'SECOND', 'x'.repeat(10_000)])('refuses %p', (presented) => {
    expect(new ApiKeySet('first,second').match(presented)).toBeUndefined();
  });

  it('matches nothing when no key is configured', () => {
    expect(new ApiKeySet('').match('')).toBeUndefined();
    expect(new ApiKeySet(',').match('anything')).toBeUndefined();
  });

  it.each([
    ['an unknown role', 'k1,k2:root', /entry 2: "root" is not a role/],
    ['an empty role list', 'k1:', /entry 1: role 1 is not a role/],
    ['a role twice', 'k1:read+read', /entry 1: a role is listed twice/],
    ['an empty key', ':admin', /entry 1: the key is empty/],
    ['a key twice', 'k1:read,k1:admin', /a key is listed twice/],
    ['a space in a key', 'my key', /entry 1: a key may hold printable ASCII/],
    ['the ; separator', 'k1:read;k2:admin', /';' is not a separator/],
    ['a role that may hold a key', 'k1:read+Zk2', /entry 1: role 2 is not a role/],
    ['an over-long key', 'k'.repeat(257), /entry 1: the key is longer than 256/],
  ])('refuses %s, naming the entry and never the key', (_name, value, message) => {
    expect(() => parseApiKeys(value)).toThrow(ApiKeyConfigError);
    expect(() => parseApiKeys(value)).toThrow(message);
    try {
      parseApiKeys(value);
    } catch (e) {
      expect((e as Error).message).not.toContain('k1');
    }
  });

  it('is validated with the config, the variable named', () => {
    const r = authConfigShape.RATEL_API_KEYS.safeParse('k1:sudo');
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].message).toContain('"sudo" is not a role');
  });

  it('counts a JWKS URL, a JWT secret or a key as credentials', () => {
    const none = { RATEL_API_KEYS: ' , ', RATEL_JWT_SECRET: '', RATEL_JWT_JWKS_URL: '', RATEL_JWT_ISSUER: '', RATEL_JWT_AUDIENCE: '' };
    expect(hasCredentials(none)).toBe(false);
    expect(hasCredentials({ ...none, RATEL_JWT_JWKS_URL: 'https://idp.example/jwks' })).toBe(true);
    expect(hasCredentials({ ...none, RATEL_API_KEYS: 'k' })).toBe(true);
  });

  it.each([
    ['https://idp.example/.well-known/jwks.json', true],
    ['http://127.0.0.1:9000/jwks', true],
    ['http://idp.example/jwks', false],
    ['not a url', false],
    ['', true],
  ])('RATEL_JWT_JWKS_URL %p accepted: %p', (url, ok) => {
    expect(authConfigShape.RATEL_JWT_JWKS_URL.safeParse(url).success).toBe(ok);
  });
});
