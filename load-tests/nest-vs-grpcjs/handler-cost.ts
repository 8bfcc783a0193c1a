/**
 * The per-call cost of the layer above @grpc/grpc-js, without the network: each echo server
 * variant is started in this process, its unary handler for DebitEvent and UpdateSession is taken
 * from the grpc-js Server it registered, and called in a loop the way grpc-js calls it
 * (deserialize request -> handler -> callback -> serialize answer). HTTP/2 and socket work is the
 * same for every variant and is left out, so what remains is codec + framework, in µs per call,
 * measured in one process with the variants interleaved (noise hits them alike).
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register load-tests/nest-vs-grpcjs/handler-cost.ts \
 *     [--calls 100000] [--rounds 3]
 */
import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import type { INestMicroservice } from '@nestjs/common';
import { Args } from '../lib/args';
import { median } from '../grpc/measure';
import { methodPath } from '../grpc/charging-api';
import { Codec, startEchoServer } from '../grpc/echo-server';
import { startNestEchoServer } from '../grpc/nest-echo-server';
import { DEFAULT_MIX, makeRunTag, mixTemplates, mixUser } from '../grpc/scenarios';

/** What grpc-js keeps per registered method (its `handlers` map is private; read for this bench only). */
interface RegisteredHandler {
  func: (call: unknown, callback: (err: unknown, value?: unknown) => void) => void;
  serialize: (v: unknown) => Buffer;
  deserialize: (b: Buffer) => unknown;
}

function handlersOf(server: grpc.Server): Map<string, RegisteredHandler> {
  return (server as unknown as { handlers: Map<string, RegisteredHandler> }).handlers;
}

function nestGrpcServer(app: INestMicroservice): grpc.Server {
  // NestMicroservice.serverInstance is ServerGrpc; its grpcClient is the grpc-js Server.
  return (app as unknown as { serverInstance: { grpcClient: grpc.Server } }).serverInstance.grpcClient;
}

/** Request bytes (without the 5-byte gRPC prefix) of the two methods, from the load mix. */
function sampleRequests(): { debit: Buffer; update: Buffer } {
  const t = mixTemplates(DEFAULT_MIX);
  const u = mixUser(t, { ...DEFAULT_MIX, smsShare: 0 }, makeRunTag(), 0, 0, 1);
  u.next();
  const update = Buffer.from(u.next().frame.subarray(5));
  return { debit: Buffer.from(t.debit.frame.subarray(5)), update };
}

/** Calls one handler `calls` times, one after the other; µs per call. */
async function timeCalls(h: RegisteredHandler, request: Buffer, calls: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) {
    await new Promise<void>((resolve, reject) => {
      const call = Object.assign(new EventEmitter(), { request: h.deserialize(request), metadata: new grpc.Metadata(), cancelled: false });
      h.func(call, (err, value) => {
        if (err) return reject(err instanceof Error ? err : new Error(String(err)));
        h.serialize(value);
        resolve();
      });
    });
  }
  return Number(process.hrtime.bigint() - t0) / 1000 / calls;
}

interface Variant {
  label: string;
  server: grpc.Server;
  stop: () => Promise<void>;
}

async function startVariants(): Promise<Variant[]> {
  const out: Variant[] = [];
  for (const codec of ['ts-proto', 'proto-loader'] as Codec[]) {
    const plain = await startEchoServer('127.0.0.1', 0, codec);
    out.push({ label: `grpc-js echo (${codec})`, server: plain.server, stop: async () => void plain.server.forceShutdown() });
    const nest = await startNestEchoServer('127.0.0.1', 0, codec);
    out.push({ label: `nest echo (${codec})`, server: nestGrpcServer(nest.app), stop: () => nest.app.close() });
  }
  return out;
}

async function main(): Promise<void> {
  const args = new Args();
  const calls = args.num('calls', 100_000);
  const rounds = args.num('rounds', 3);
  args.rejectUnknown();
  const variants = await startVariants();
  const req = sampleRequests();
  const methods = [
    { name: 'DebitEvent', path: methodPath('DebitEvent'), bytes: req.debit },
    { name: 'UpdateSession', path: methodPath('UpdateSession'), bytes: req.update },
  ];
  try {
    const results = new Map<string, number[]>();
    for (let r = 0; r <= rounds; r++) {
      for (const v of variants) {
        for (const m of methods) {
          const h = handlersOf(v.server).get(m.path);
          if (!h) throw new Error(`${v.label} has no handler for ${m.path}`);
          const us = await timeCalls(h, m.bytes, r === 0 ? Math.min(calls, 20_000) : calls); // round 0 warms the JIT
          if (r > 0) results.set(`${v.label}|${m.name}`, [...(results.get(`${v.label}|${m.name}`) ?? []), us]);
        }
      }
    }
    const base = (m: string) => median(results.get(`grpc-js echo (ts-proto)|${m}`)!);
    const lines = [
      `decode + handler + encode, in process, ${calls.toLocaleString('en-US')} calls x ${rounds} rounds (median µs per call; x = against grpc-js echo (ts-proto))`,
    ];
    for (const v of variants) {
      const cells = methods.map((m) => {
        const us = median(results.get(`${v.label}|${m.name}`)!);
        return `${m.name} ${us.toFixed(2)} µs (x${(us / base(m.name)).toFixed(2)}, +${(us - base(m.name)).toFixed(2)} µs)`;
      });
      lines.push(`  ${v.label.padEnd(28)} ${cells.join('   ')}`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    for (const v of variants) await v.stop();
  }
}

if (require.main === module) {
  main()
    .then(() => process.exit(0))
    .catch((err: unknown) => {
      process.stderr.write(`handler-cost: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    });
}
