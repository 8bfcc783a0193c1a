/**
 * The baseline: a bare @grpc/grpc-js server of charging.v1.ChargingService, same service, method
 * names, framing and message sizes as the gateway, answering every RPC with a fixed valid answer
 * and no business logic. Whatever the gateway is slower than this is the gateway's own cost.
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register load-tests/grpc/echo-server.ts \
 *     [--host 127.0.0.1] [--port 0] [--codec ts-proto|proto-loader]
 *
 * --codec ts-proto (default) uses the generated service definition (what the gateway uses);
 * proto-loader loads charging.proto with @grpc/proto-loader (what NestJS does with a protoPath).
 * Prints `listening <host>:<port>` once bound; stops on SIGTERM/SIGINT.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { CHARGING_PROTO_FILE, protoRoot } from '@app/proto';
import { Args } from '../lib/args';
import type { DebitEventResponse } from '@app/proto';
import { batchEchoImplementation, BATCH_ECHO_SERVICE } from './batch-echo';
import { ChargingServiceService, echoImplementation, Int64Style, makeEchoAnswer } from './charging-api';

export type Codec = 'ts-proto' | 'proto-loader';

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

export async function startEchoServer(host: string, port: number, codec: Codec): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server();
  const answer = makeEchoAnswer(int64StyleOf(codec));
  server.addService(serviceDefinition(codec), echoImplementation(answer));
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
  args.rejectUnknown();
  if (codec !== 'ts-proto' && codec !== 'proto-loader') throw new Error('--codec must be ts-proto or proto-loader');
  const { server, port: bound } = await startEchoServer(host, port, codec);
  process.stdout.write(`listening ${host}:${bound} (grpc-js echo, codec ${codec}, pid ${process.pid})\n`);
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
