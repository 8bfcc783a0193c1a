/**
 * The baseline: a bare @grpc/grpc-js server of charging.v1.ChargingService, same service, method
 * names, framing and message sizes as the gateway, answering every RPC with a fixed valid answer
 * and no business logic. Whatever the gateway is slower than this is the gateway's own cost.
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register load-tests/grpc/echo-server.ts \
 *     [--host 127.0.0.1] [--port 0] [--codec ts-proto|proto-loader] [--redis URL]
 *
 * --redis URL: before answering, every RPC makes one call of a small reserve-like Lua script
 * (FLOOR_SCRIPT: read, compare, two increments, one field set; the script of
 * shared/design/baselines.md) on one of FLOOR_ACCOUNTS hashes of that Redis. This is the floor of
 * any unary gateway with one atomic Redis step per request: what no business logic costs.
 *
 * --codec ts-proto (default) uses the generated service definition (what the gateway uses);
 * proto-loader loads charging.proto with @grpc/proto-loader (what NestJS does with a protoPath).
 * Prints `listening <host>:<port>` once bound; stops on SIGTERM/SIGINT.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { CHARGING_PROTO_FILE, protoRoot } from '@app/proto';
import Redis from 'ioredis';
import { Args } from '../lib/args';
import type { DebitEventResponse } from '@app/proto';
import { batchEchoImplementation, BATCH_ECHO_SERVICE } from './batch-echo';
import { ChargingServiceService, echoImplementation, Int64Style, makeEchoAnswer } from './charging-api';

export type Codec = 'ts-proto' | 'proto-loader';

/** A reserve-like script: the least an atomic balance step per request can cost. */
export const FLOOR_SCRIPT = `
local b = tonumber(redis.call('HGET', KEYS[1], 'balance') or '1000000000000')
local amount = tonumber(ARGV[1])
if b < amount then return 0 end
redis.call('HINCRBY', KEYS[1], 'balance', -amount)
redis.call('HINCRBY', KEYS[1], 'reserved', amount)
redis.call('HSET', KEYS[1], 'last', ARGV[2])
return 1`;
/** Hashes the floor script spreads over (as the gateway spreads over accounts). */
export const FLOOR_ACCOUNTS = 100_000;

/** Wraps every handler so it first runs FLOOR_SCRIPT once. */
function withFloorScript(impl: grpc.UntypedServiceImplementation, redis: Redis): grpc.UntypedServiceImplementation {
  redis.defineCommand('ratelFloor', { numberOfKeys: 1, lua: FLOOR_SCRIPT });
  const floor = (redis as unknown as { ratelFloor(key: string, amount: number, tag: number): Promise<number> }).ratelFloor.bind(redis);
  let n = 0;
  const out: grpc.UntypedServiceImplementation = {};
  for (const [name, h] of Object.entries(impl)) {
    const handler = h as grpc.handleUnaryCall<unknown, unknown>;
    out[name] = ((call, callback) => {
      n = (n + 1) % FLOOR_ACCOUNTS;
      floor(`floor:acct:${n}`, 1000, n).then(
        () => handler(call, callback),
        (err: Error) => callback({ code: grpc.status.UNAVAILABLE, details: err.message }),
      );
    }) as grpc.handleUnaryCall<unknown, unknown>;
  }
  return out;
}

/** @grpc/proto-loader options shared by both echo servers (NestJS passes them as `loader`). */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = { keepCase: false, longs: String, enums: Number, arrays: true };

export function int64StyleOf(codec: Codec): Int64Style {
  return codec === 'ts-proto' ? 'bigint' : 'string';
}

function serviceDefinition(codec: Codec): grpc.ServiceDefinition {
  if (codec === 'ts-proto') return ChargingServiceService as unknown as grpc.ServiceDefinition;
  const pkgDef = protoLoader.loadSync(CHARGING_PROTO_FILE, { ...PROTO_LOADER_OPTIONS, includeDirs: [protoRoot()] });
  return pkgDef['charging.v1.ChargingService'] as grpc.ServiceDefinition;
}

export async function startEchoServer(
  host: string,
  port: number,
  codec: Codec,
  redis?: Redis,
): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server();
  const answer = makeEchoAnswer(int64StyleOf(codec));
  const impl = echoImplementation(answer);
  server.addService(serviceDefinition(codec), redis ? withFloorScript(impl, redis) : impl);
  // Not charging.v1: a batched DebitEvent, to measure how far batching takes unary gRPC (./batch-echo.ts).
  server.addService(
    BATCH_ECHO_SERVICE,
    batchEchoImplementation((req) => makeEchoAnswer('bigint')('DebitEvent', req) as DebitEventResponse),
  );
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { server, port: bound };
}

async function main(): Promise<void> {
  const args = new Args();
  const host = args.str('host', '127.0.0.1');
  const port = args.num('port', 0);
  const codec = args.str('codec', 'ts-proto') as Codec;
  const redisUrl = args.str('redis');
  args.rejectUnknown();
  if (codec !== 'ts-proto' && codec !== 'proto-loader') throw new Error('--codec must be ts-proto or proto-loader');
  const redis = redisUrl ? new Redis(redisUrl, { enableAutoPipelining: false }) : undefined;
  const { server, port: bound } = await startEchoServer(host, port, codec, redis);
  process.stdout.write(`listening ${host}:${bound} (grpc-js echo${redis ? ' + floor script' : ''}, codec ${codec}, pid ${process.pid})\n`);
  const stop = () => server.tryShutdown(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`echo-server: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
