import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type AuthConfig, RequiresRole, signHs256Jwt } from '@app/auth';
import { FakeClock } from '@app/observability';
import { ProvisioningError, ProvisioningErrorCode } from '../provisioning-error';
import { ProvisioningAuthGuard } from './auth.guard';
import { ACTOR_REQUEST_KEY, type RequestWithActor } from './actor';

const NOW_MS = 1_800_000_000_000;
const NOW_S = NOW_MS / 1000;

class Routes {
  @RequiresRole('admin') rebuild(): void {}
  @RequiresRole('read') get(): void {}
  undeclared(): void {}
}

function guard(apiKeys: string, jwtSecret = ''): ProvisioningAuthGuard {
  const config: AuthConfig = {
    RATEL_API_KEYS: apiKeys,
    RATEL_JWT_SECRET: jwtSecret,
    RATEL_JWT_JWKS_URL: '',
    RATEL_JWT_ISSUER: '',
    RATEL_JWT_AUDIENCE: '',
  };
  return new ProvisioningAuthGuard(config, new FakeClock(NOW_MS), new Reflector());
}

function context(
  route: keyof Routes,
  headers: RequestWithActor['headers'],
  method = 'POST',
): { ctx: ExecutionContext; request: RequestWithActor & { method: string } } {
  const request = { headers, method };
  const ctx = {
    switchToHttp: () => ({ getRequest: () => request }),
    getHandler: () => Routes.prototype[route],
    getClass: () => Routes,
  } as unknown as ExecutionContext;
  return { ctx, request };
}

async function outcome(
  g: ProvisioningAuthGuard,
  route: keyof Routes,
  headers: RequestWithActor['headers'],
  method?: string,
): Promise<string> {
  try {
    await g.canActivate(context(route, headers, method).ctx);
    return 'ALLOWED';
  } catch (e) {
    if (e instanceof ProvisioningError)
      return e.code === ProvisioningErrorCode.FORBIDDEN_ROLE ? `${e.code}:${String(e.details.requiredRole)}` : e.code;
    throw e;
  }
}

describe('ProvisioningAuthGuard', () => {
  it('names the caller by key fingerprint, never by key', async () => {
    const { ctx, request } = context('get', { 'x-api-key': 'k2' });
    await guard('k1,k2').canActivate(ctx);
    expect(request[ACTOR_REQUEST_KEY]).toMatch(/^apikey:[0-9a-f]{12}$/);
    expect(request[ACTOR_REQUEST_KEY]).not.toContain('k2');
  });

  it('runs the admin rebuild only for a credential with the admin role (regression: any key could)', async () => {
    const g = guard('plain,reader:read,writer:read+write,ops:admin', 'secret');
    expect(await outcome(g, 'rebuild', { 'x-api-key': 'plain' })).toBe('FORBIDDEN_ROLE:admin');
    expect(await outcome(g, 'rebuild', { 'x-api-key': 'writer' })).toBe('FORBIDDEN_ROLE:admin');
    expect(await outcome(g, 'rebuild', { 'x-api-key': 'ops' })).toBe('ALLOWED');
    const userJwt = signHs256Jwt({ sub: 'crm', exp: NOW_S + 60, scope: 'read write' }, 'secret');
    const adminJwt = signHs256Jwt({ sub: 'ops', exp: NOW_S + 60, roles: ['admin'] }, 'secret');
    expect(await outcome(g, 'rebuild', { authorization: `Bearer ${userJwt}` })).toBe('FORBIDDEN_ROLE:admin');
    expect(await outcome(g, 'rebuild', { authorization: `Bearer ${adminJwt}` })).toBe('ALLOWED');
  });

  it('needs the declared role, else read for GET and write for other methods', async () => {
    const g = guard('reader:read,writer:write,plain');
    expect(await outcome(g, 'get', { 'x-api-key': 'reader' })).toBe('ALLOWED');
    expect(await outcome(g, 'get', { 'x-api-key': 'writer' })).toBe('FORBIDDEN_ROLE:read');
    expect(await outcome(g, 'undeclared', { 'x-api-key': 'reader' }, 'GET')).toBe('ALLOWED');
    expect(await outcome(g, 'undeclared', { 'x-api-key': 'reader' }, 'POST')).toBe('FORBIDDEN_ROLE:write');
    expect(await outcome(g, 'undeclared', { 'x-api-key': 'plain' }, 'DELETE')).toBe('ALLOWED');
  });

  it('refuses anonymous requests, unknown keys, repeated key headers and other schemes', async () => {
    const g = guard('k1', 'secret');
    for (const headers of [{}, { 'x-api-key': 'nope' }, { 'x-api-key': ['k1', 'k1'] }, { authorization: 'Basic azE6' }]) {
      expect(await outcome(g, 'get', headers)).toBe(ProvisioningErrorCode.UNAUTHENTICATED);
    }
  });

  it('does not fall back to the bearer token when the API key is wrong', async () => {
    const token = signHs256Jwt({ sub: 'crm', exp: NOW_S + 60 }, 'secret');
    expect(await outcome(guard('k1', 'secret'), 'get', { 'x-api-key': 'bad', authorization: `Bearer ${token}` })).toBe('UNAUTHENTICATED');
  });

  it('refuses expired, wrong-alg and wrongly signed JWTs, and JWTs when no secret is set', async () => {
    const g = guard('k1', 'secret');
    const expired = signHs256Jwt({ sub: 'crm', exp: NOW_S - 3600 }, 'secret');
    const wrongAlg = signHs256Jwt({ sub: 'crm', exp: NOW_S + 60 }, 'secret', { alg: 'HS384' });
    const wrongKey = signHs256Jwt({ sub: 'crm', exp: NOW_S + 60 }, 'other');
    for (const token of [expired, wrongAlg, wrongKey]) {
      expect(await outcome(g, 'get', { authorization: `Bearer ${token}` })).toBe('UNAUTHENTICATED');
    }
    const valid = signHs256Jwt({ sub: 'crm', exp: NOW_S + 60 }, 'secret');
    expect(await outcome(guard('k1', ''), 'get', { authorization: `Bearer ${valid}` })).toBe('UNAUTHENTICATED');
    expect(await outcome(g, 'get', { authorization: `Bearer ${valid}` })).toBe('ALLOWED');
  });
});
