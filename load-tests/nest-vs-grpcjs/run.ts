/**
 * Does the NestJS gRPC transport cost too much? One run, same generator, same mix, same
 * concurrency, against four echo servers that differ only in what they are built on:
 *   grpc-js echo, ts-proto codec      (plain @grpc/grpc-js, the generated service definition)
 *   nest echo,    ts-proto codec      (@nestjs/microservices Transport.GRPC, same codec: transport only)
 *   nest echo,    proto-loader codec  (Nest's usual protoPath set-up: transport + protobufjs codec)
 *   grpc-js echo, proto-loader codec  (isolates the codec difference)
 * With --rounds N the four alternate N times and the ratios are medians over rounds.
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register load-tests/nest-vs-grpcjs/run.ts \
 *     [--rounds 2] [--variants all|core] [generator options, see grpc/generator/index.ts]
 *
 * --variants core measures only the first two (the transport question).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Args } from '../lib/args';
import { fmtMs } from '../lib/histogram';
import { installChildCleanup } from '../lib/proc';
import type { Codec } from '../grpc/echo-server';
import { generatorOptionsFrom } from '../grpc/generator';
import { formatTable, measureWithGenerator, median, Row, serverUsPerRequest } from '../grpc/measure';
import { startEcho, Target } from '../grpc/targets';

interface Variant {
  kind: 'grpc-js' | 'nest';
  codec: Codec;
}

const CORE: Variant[] = [
  { kind: 'grpc-js', codec: 'ts-proto' },
  { kind: 'nest', codec: 'ts-proto' },
];
const ALL: Variant[] = [...CORE, { kind: 'nest', codec: 'proto-loader' }, { kind: 'grpc-js', codec: 'proto-loader' }];

const log = (line: string) => process.stderr.write(`[nest-vs-grpcjs] ${line}\n`);

function ratioLine(name: string, rows: Row[], base: Row[]): string {
  const tp = median(rows.map((r, i) => r.throughput / base[i].throughput));
  const p99 = median(rows.map((r, i) => r.latency.percentileUs(99) / base[i].latency.percentileUs(99)));
  const cpu = median(rows.map((r, i) => serverUsPerRequest(r) / serverUsPerRequest(base[i])));
  const us = median(rows.map(serverUsPerRequest));
  const p99ms = median(rows.map((r) => r.latency.percentileUs(99)));
  return `  ${name.padEnd(34)} throughput x${tp.toFixed(2)}  p99 x${p99.toFixed(2)} (${fmtMs(p99ms)} ms)  server CPU/request x${cpu.toFixed(2)} (${us.toFixed(0)} µs)`;
}

async function main(): Promise<void> {
  installChildCleanup();
  const args = new Args();
  const gen = generatorOptionsFrom(args, 'unused');
  const rounds = args.num('rounds', 2);
  const variants = args.str('variants', 'all') === 'core' ? CORE : ALL;
  args.rejectUnknown();
  const logDir = mkdtempSync(join(tmpdir(), 'ratel-nest-vs-grpcjs-'));
  const targets: Target[] = [];
  try {
    for (const v of variants) targets.push(await startEcho(v.kind, v.codec, logDir));
    const { target: _unused, ...genOpts } = gen;
    const byVariant: Row[][] = variants.map(() => []);
    for (let r = 1; r <= rounds; r++) {
      for (let i = 0; i < variants.length; i++) {
        log(`round ${r}/${rounds}: ${targets[i].label}`);
        byVariant[i].push(await measureWithGenerator(`${targets[i].label} r${r}`, targets[i], genOpts));
      }
    }
    const rows = byVariant[0].flatMap((_, r) => byVariant.map((rs) => rs[r]));
    const out = [
      '',
      `echo servers, mix: ${gen.concurrency} in flight, ${gen.client} HTTP/2 client, ${gen.workers} workers x ${gen.connectionsPerWorker} connections, ${gen.durationMs / 1000} s per measurement, ${rounds} round(s)`,
      ...formatTable(rows),
      '',
      `against ${targets[0].label} (median of per-round ratios):`,
      ...variants.slice(1).map((v, i) => ratioLine(targets[i + 1].label, byVariant[i + 1], byVariant[0])),
    ];
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    for (const t of targets) await t.stop();
    rmSync(logDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`nest-vs-grpcjs: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
