/**
 * Transport security of the charging gRPC server, with a throwaway CA, server and client
 * certificates made by openssl for this run: mutual TLS admits a client with a certificate of the
 * CA and refuses one without; server-only TLS admits any TLS client and refuses plaintext.
 */
import { credentials, ServiceError, status as Status } from '@grpc/grpc-js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetBalanceRequest, ResultCode } from '@app/proto';
import { call, ChargingApp, chargingClient, failure, startChargingApp } from './grpc-e2e.helpers';

interface Pki {
  dir: string;
  path(name: string): string;
  read(name: string): Buffer;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** An EC P-256 key and a certificate signed by `ca` (or self-signed when `ca` is undefined). */
function issue(dir: string, name: string, subject: string, ext: string, ca?: string): void {
  openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`]);
  writeFileSync(join(dir, `${name}.ext`), ext);
  if (!ca) {
    openssl(dir, [
      'req',
      '-x509',
      '-new',
      '-key',
      `${name}.key`,
      '-subj',
      subject,
      '-days',
      '1',
      '-out',
      `${name}.crt`,
      '-addext',
      ext.split('\n')[0],
    ]);
    return;
  }
  openssl(dir, ['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`]);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.crt`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-days',
    '1',
    '-out',
    `${name}.crt`,
    '-extfile',
    `${name}.ext`,
  ]);
}

function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'ratel-pki-'));
  issue(dir, 'ca', '/CN=Ratel Test CA', 'basicConstraints=critical,CA:TRUE\n');
  issue(dir, 'server', '/CN=localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n', 'ca');
  issue(dir, 'client', '/CN=pgw-test-1', 'extendedKeyUsage=clientAuth\n', 'ca');
  issue(dir, 'rogue-ca', '/CN=Rogue CA', 'basicConstraints=critical,CA:TRUE\n');
  issue(dir, 'rogue-client', '/CN=intruder', 'extendedKeyUsage=clientAuth\n', 'rogue-ca');
  return { dir, path: (n) => join(dir, n), read: (n) => readFileSync(join(dir, n)) };
}

const unknownSubscriber = GetBalanceRequest.fromPartial({ subscriber: { msisdn: '99999999999' } });

let pki: Pki;
beforeAll(() => {
  pki = makePki();
});
afterAll(() => {
  rmSync(pki.dir, { recursive: true, force: true });
});

describe('mutual TLS (RATEL_GRPC_TLS_CLIENT_CA set)', () => {
  let env: ChargingApp;
  beforeAll(async () => {
    env = await startChargingApp({
      RATEL_GRPC_TLS_CERT: pki.path('server.crt'),
      RATEL_GRPC_TLS_KEY: pki.path('server.key'),
      RATEL_GRPC_TLS_CLIENT_CA: pki.path('ca.crt'),
    });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('admits a client presenting a certificate of the CA', async () => {
    const client = chargingClient(env.address, credentials.createSsl(pki.read('ca.crt'), pki.read('client.key'), pki.read('client.crt')));
    try {
      expect((await call(client, client.getBalance, unknownSubscriber)).resultCode).toBe(ResultCode.USER_UNKNOWN);
    } finally {
      client.close();
    }
  });

  it.each([
    ['without a client certificate', () => credentials.createSsl(pki.read('ca.crt'))],
    [
      'with a certificate of another CA',
      () => credentials.createSsl(pki.read('ca.crt'), pki.read('rogue-client.key'), pki.read('rogue-client.crt')),
    ],
    ['in plaintext', () => credentials.createInsecure()],
  ])('refuses a client %s', async (_name, creds) => {
    const client = chargingClient(env.address, creds());
    try {
      const err: ServiceError = await failure(call(client, client.getBalance, unknownSubscriber, 3_000));
      expect(err.code).toBe(Status.UNAVAILABLE);
    } finally {
      client.close();
    }
  });
});

describe('server-only TLS (no client CA)', () => {
  let env: ChargingApp;
  beforeAll(async () => {
    env = await startChargingApp({ RATEL_GRPC_TLS_CERT: pki.path('server.crt'), RATEL_GRPC_TLS_KEY: pki.path('server.key') });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('admits a TLS client that trusts the server certificate', async () => {
    const client = chargingClient(env.address, credentials.createSsl(pki.read('ca.crt')));
    try {
      expect((await call(client, client.getBalance, unknownSubscriber)).resultCode).toBe(ResultCode.USER_UNKNOWN);
    } finally {
      client.close();
    }
  });

  it('is not reachable by a client that does not trust the server certificate', async () => {
    const client = chargingClient(env.address, credentials.createSsl(pki.read('rogue-ca.crt')));
    try {
      expect((await failure(call(client, client.getBalance, unknownSubscriber, 3_000))).code).toBe(Status.UNAVAILABLE);
    } finally {
      client.close();
    }
  });
});
