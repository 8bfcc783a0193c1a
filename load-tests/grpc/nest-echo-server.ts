/**
 * The same echo as echo-server.ts served through @nestjs/microservices (Transport.GRPC), to
 * measure what Nest's transport layer (handler lookup, RxJS observable per call, hooks) costs on
 * top of plain @grpc/grpc-js. Handlers answer with the very same fixed answers.
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register load-tests/grpc/nest-echo-server.ts \
 *     [--host 127.0.0.1] [--port 0] [--codec ts-proto|proto-loader]
 *
 * --codec ts-proto (default) hands Nest a package definition built from the generated codecs
 * (`packageDefinition` option), so only the transport differs from echo-server.ts; proto-loader is
 * Nest's usual `protoPath` set-up (protobufjs codec). Prints `listening <host>:<port>` once bound.
 */
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { GrpcMethod, MicroserviceOptions, Transport } from '@nestjs/microservices';
import { CHARGING_PROTO_FILE, protoRoot } from '@app/proto';
import { Args } from '../lib/args';
import { freePort } from '../lib/proc';
import { makeEchoAnswer, MethodName, tsProtoPackageDefinition } from './charging-api';
import { Codec, int64StyleOf, PROTO_LOADER_OPTIONS } from './echo-server';

type Answer = (m: MethodName, req: unknown) => unknown;

/** One handler per RPC, each returning the echo answer synchronously (Nest's cheapest path). */
function echoController(answer: Answer): new () => object {
  @Controller()
  class EchoController {
    @GrpcMethod('ChargingService', 'StartSession') startSession(req: unknown) {
      return answer('StartSession', req);
    }
    @GrpcMethod('ChargingService', 'UpdateSession') updateSession(req: unknown) {
      return answer('UpdateSession', req);
    }
    @GrpcMethod('ChargingService', 'TerminateSession') terminateSession(req: unknown) {
      return answer('TerminateSession', req);
    }
    @GrpcMethod('ChargingService', 'DebitEvent') debitEvent(req: unknown) {
      return answer('DebitEvent', req);
    }
    @GrpcMethod('ChargingService', 'RefundEvent') refundEvent(req: unknown) {
      return answer('RefundEvent', req);
    }
    @GrpcMethod('ChargingService', 'CheckBalance') checkBalance(req: unknown) {
      return answer('CheckBalance', req);
    }
    @GrpcMethod('ChargingService', 'PriceEnquiry') priceEnquiry(req: unknown) {
      return answer('PriceEnquiry', req);
    }
    @GrpcMethod('ChargingService', 'GetBalance') getBalance(req: unknown) {
      return answer('GetBalance', req);
    }
  }
  return EchoController;
}

export async function startNestEchoServer(host: string, port: number, codec: Codec) {
  const bound = port === 0 ? await freePort() : port;
  @Module({ controllers: [echoController(makeEchoAnswer(int64StyleOf(codec)))] })
  class EchoModule {}
  const definition =
    codec === 'ts-proto'
      ? { packageDefinition: tsProtoPackageDefinition() }
      : { protoPath: CHARGING_PROTO_FILE, loader: { ...PROTO_LOADER_OPTIONS, includeDirs: [protoRoot()] } };
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(EchoModule, {
    transport: Transport.GRPC,
    options: { package: 'charging.v1', url: `${host}:${bound}`, ...definition },
    logger: ['error', 'warn'],
  });
  await app.listen();
  return { app, port: bound };
}

async function main(): Promise<void> {
  const args = new Args();
  const host = args.str('host', '127.0.0.1');
  const port = args.num('port', 0);
  const codec = args.str('codec', 'ts-proto') as Codec;
  args.rejectUnknown();
  if (codec !== 'ts-proto' && codec !== 'proto-loader') throw new Error('--codec must be ts-proto or proto-loader');
  const { app, port: bound } = await startNestEchoServer(host, port, codec);
  process.stdout.write(`listening ${host}:${bound} (nest echo, codec ${codec}, pid ${process.pid})\n`);
  const stop = () => void app.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`nest-echo-server: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
