/**
 * RS256 and ES256 bearer tokens verified against a JWKS served over HTTP by a separate node process
 * (jwks-server.js, on a free loopback port, stopped by its PID at the end): good tokens, expiry, a
 * token signed by a key the set does not hold, key rotation (an unknown kid makes the set be
 * fetched again), and a JWKS that cannot be fetched.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, type JWK, type KeyLike, SignJWT } from 'jose';
import { AuthenticationError, JwtError, type JwtFailure, JwtVerifier, RequestAuthenticator, signHs256Jwt } from '../src';

interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: KeyLike;
  jwk: JWK;
}

let server: ChildProcess;
let baseUrl: string;
let dir: string;
let jwksFile: string;

async function signingKey(kid: string, alg: 'RS256' | 'ES256'): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg);
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

function publish(...keys: SigningKey[]): void {
  writeFileSync(jwksFile, JSON.stringify({ keys: keys.map((k) => k.jwk) }));
}

function sign(
  key: SigningKey,
  claims: Record<string, unknown> = {},
  kid = key.kid,
  expS = Math.floor(Date.now() / 1000) + 300,
): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid }).setSubject('crm').setExpirationTime(expS).sign(key.privateKey);
}

async function reasonOf(verifier: JwtVerifier, token: string): Promise<JwtFailure | 'ACCEPTED'> {
  try {
    await verifier.verify(token, Date.now());
    return 'ACCEPTED';
  } catch (e) {
    if (e instanceof JwtError) return e.reason;
    throw e;
  }
}

async function fetches(): Promise<number> {
  return Number(await (await fetch(`${baseUrl}/fetches`)).text());
}

function startServer(file: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [join(__dirname, 'jwks-server.js'), file], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening (\d+)\n/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.once('exit', (code) => reject(new Error(`jwks-server exited with ${code}`)));
  });
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  process.kill(child.pid!, 'SIGTERM');
  await exited;
}

let rsa1: SigningKey;
let ec1: SigningKey;
let stranger: SigningKey;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ratel-jwks-'));
  jwksFile = join(dir, 'jwks.json');
  [rsa1, ec1, stranger] = await Promise.all([signingKey('rsa-1', 'RS256'), signingKey('ec-1', 'ES256'), signingKey('rsa-x', 'RS256')]);
  publish(rsa1, ec1);
  const started = await startServer(jwksFile);
  server = started.child;
  baseUrl = `http://127.0.0.1:${started.port}`;
});

afterAll(async () => {
  if (server) await stopServer(server);
  rmSync(dir, { recursive: true, force: true });
});

describe('JwtVerifier with a JWKS URL', () => {
  it('accepts RS256 and ES256 tokens signed by keys of the set, and refuses expired ones', async () => {
    const v = new JwtVerifier({ jwksUrl: `${baseUrl}/jwks.json` });
    expect(await reasonOf(v, await sign(rsa1))).toBe('ACCEPTED');
    expect(await reasonOf(v, await sign(ec1))).toBe('ACCEPTED');
    expect(await reasonOf(v, await sign(rsa1, {}, rsa1.kid, Math.floor(Date.now() / 1000) - 3600))).toBe('EXPIRED');
  });

  it('refuses a token signed by a key not in the set (unknown kid, or a known kid with the wrong key) with 401', async () => {
    const v = new JwtVerifier({ jwksUrl: `${baseUrl}/jwks.json`, jwksRefetchCooldownMs: 0 });
    expect(await reasonOf(v, await sign(stranger))).toBe('UNKNOWN_KEY');
    expect(await reasonOf(v, await sign(stranger, {}, 'rsa-1'))).toBe('BAD_SIGNATURE');
    const auth = new RequestAuthenticator({ apiKeys: '', jwksUrl: `${baseUrl}/jwks.json` });
    await expect(auth.authenticate({ authorization: `Bearer ${await sign(stranger)}` }, Date.now())).rejects.toThrow(AuthenticationError);
  });

  it('refuses HS256 when only a JWKS is configured (no algorithm confusion)', async () => {
    const v = new JwtVerifier({ jwksUrl: `${baseUrl}/jwks.json` });
    // An HMAC keyed with the public key's text: the classic RS256 -> HS256 confusion.
    const forged = signHs256Jwt({ sub: 'admin', exp: Math.floor(Date.now() / 1000) + 60 }, JSON.stringify(rsa1.jwk), {
      alg: 'HS256',
      kid: 'rsa-1',
    });
    expect(await reasonOf(v, forged)).toBe('UNSUPPORTED_ALG');
  });

  it('picks up a rotated key: an unknown kid makes the set be fetched again', async () => {
    const v = new JwtVerifier({ jwksUrl: `${baseUrl}/jwks.json`, jwksRefetchCooldownMs: 0 });
    expect(await reasonOf(v, await sign(rsa1))).toBe('ACCEPTED');
    const before = await fetches();
    const rsa2 = await signingKey('rsa-2', 'RS256');
    publish(rsa2, ec1); // rsa-1 retired, rsa-2 introduced
    expect(await reasonOf(v, await sign(rsa2, { scope: 'admin' }))).toBe('ACCEPTED');
    expect(await fetches()).toBe(before + 1);
    const auth = new RequestAuthenticator({ apiKeys: '', jwksUrl: `${baseUrl}/jwks.json`, jwksRefetchCooldownMs: 0 });
    expect(await auth.authenticate({ authorization: `Bearer ${await sign(rsa2, { scope: 'admin' })}` }, Date.now())).toEqual({
      name: 'jwt:crm',
      roles: ['admin'],
    });
    publish(rsa1, ec1);
  });

  it('checks iss and aud of JWKS tokens when configured', async () => {
    const v = new JwtVerifier({ jwksUrl: `${baseUrl}/jwks.json`, issuer: 'https://idp.example', audiences: ['ratel'] });
    expect(await reasonOf(v, await sign(ec1, { iss: 'https://idp.example', aud: 'ratel' }))).toBe('ACCEPTED');
    expect(await reasonOf(v, await sign(ec1, { iss: 'https://idp.example', aud: 'someone-else' }))).toBe('INVALID_CLAIM');
  });

  it('says so when the JWKS cannot be fetched', async () => {
    const v = new JwtVerifier({ jwksUrl: `${baseUrl}/missing.json` });
    expect(await reasonOf(v, await sign(rsa1))).toBe('JWKS_UNAVAILABLE');
  });
});
