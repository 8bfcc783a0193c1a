/**
 * Helpers of the whole-system specs: the charging app booted as in production (bootstrapCharging
 * or main.ts as a child process), a fresh PostgreSQL database with migrations, a nats-server of
 * the spec's own (so the production stream names can be used), and a generated gRPC client.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { credentials, Metadata, ServiceError } from '@grpc/grpc-js';
import { createTestDatabase, freePort, requireEnv, uniqueId } from '@app/devstack';
import { migrate } from '@app/db';
import { ChargingServiceClient } from '@app/proto';
import { DEMO_PREPAID_PLAN, type PricePlan } from '@app/rating';

export const REPO_ROOT = resolve(__dirname, '../../..');
export const API_KEY = 'system-test-key';
/** A unary call gives up after this long (a killed gateway never answers). */
export const CALL_DEADLINE_MS = 3_000;

export interface SystemEnv {
  env: Record<string, string>;
  grpcAddress: string;
  httpBase: string;
}

export async function systemEnv(natsUrl: string): Promise<SystemEnv> {
  const databaseUrl = await createTestDatabase('sys');
  await migrate(databaseUrl);
  const grpcPort = await freePort();
  const httpPort = await freePort();
  return {
    grpcAddress: `127.0.0.1:${grpcPort}`,
    httpBase: `http://127.0.0.1:${httpPort}`,
    env: {
      REDIS_URL: requireEnv('REDIS_URL'),
      NATS_URL: natsUrl,
      DATABASE_URL: databaseUrl,
      RATEL_REDIS_PREFIX: `${uniqueId('sys')}:`,
      RATEL_GRPC_HOST: '127.0.0.1',
      RATEL_GRPC_PORT: String(grpcPort),
      RATEL_GRPC_INSECURE: 'true',
      RATEL_HTTP_HOST: '127.0.0.1',
      RATEL_HTTP_PORT: String(httpPort),
      RATEL_API_KEYS: `${API_KEY}:read+write+admin`, // the specs also run the admin rebuild
      RATEL_LOG_LEVEL: 'warn',
    },
  };
}

/** main.ts as a child process, the way a Deployment runs it. */
export function spawnGateway(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/charging/src/main.ts'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ...env },
  });
}

export function grpcClient(address: string): ChargingServiceClient {
  return new ChargingServiceClient(address, credentials.createInsecure());
}

export function unary<Res>(client: ChargingServiceClient, method: string, req: unknown): Promise<Res> {
  type Fn = (r: unknown, m: Metadata, o: object, cb: (e: ServiceError | null, r: Res) => void) => void;
  const fn = (client as unknown as Record<string, Fn>)[method];
  return new Promise((res, rej) =>
    fn.call(client, req, new Metadata(), { deadline: Date.now() + CALL_DEADLINE_MS }, (e, r) => (e ? rej(e) : res(r))),
  );
}

/** Sends `items` over one ChargeStream and resolves to its answers, in the order received, as a ChargeBatch answer reads. */
export function streamed<Res>(
  client: ChargingServiceClient,
  items: readonly object[],
  deadlineMs = CALL_DEADLINE_MS,
): Promise<{ results: Res[] }> {
  const stream = client.chargeStream(new Metadata(), { deadline: Date.now() + deadlineMs });
  const results: Res[] = [];
  const done = new Promise<{ results: Res[] }>((res, rej) => {
    stream.on('data', (r: Res) => results.push(r));
    stream.on('end', () => res({ results }));
    stream.on('error', rej);
  });
  for (const item of items) stream.write(item as never);
  stream.end();
  return done;
}

export async function rest(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'x-api-key': API_KEY, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/**
 * Over REST: product `prd-<tag>` with `plan` as its price plan, and customer `cus-<tag>` (each
 * answered 201): what the accounts of a system spec hang on.
 */
export async function provisionCatalog(
  base: string,
  tag: string,
  plan: PricePlan = DEMO_PREPAID_PLAN,
): Promise<{ productId: string; customerId: string; planId: string }> {
  const productId = `prd-${tag}`;
  const customerId = `cus-${tag}`;
  expect((await rest(base, 'POST', '/v1/products', { id: productId, name: tag })).status).toBe(201);
  expect((await rest(base, 'POST', '/v1/price-plans', { productId, plan })).status).toBe(201);
  expect((await rest(base, 'POST', '/v1/customers', { id: customerId, name: tag })).status).toBe(201);
  return { productId, customerId, planId: plan.id };
}

export { waitFor } from '@app/devstack';
