/**
 * One command, one run: the bare grpc-js echo and the charging gateway measured with the same
 * generator, the same mix and the same concurrency, alternating when --rounds > 1, plus the
 * generator's own ceiling beside h2load's on the echo. Prints a table and the ratios
 * charging/echo for throughput and p99 (targets: >= 0.8 and <= 2.0).
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register load-tests/grpc/run-compare.ts \
 *     [--charging auto|none|HOST:PORT] [--charging-cmd "CMD" --charging-addr HOST:PORT [--charging-env K=V ...]] \
 *     [--charging-pid PID ...] [--rounds 1] [--h2load true] [--echo-codec ts-proto|proto-loader] \
 *     [--redis-aof true] [--relay-process true] [--gateway-env K=V ...] [--gateway-node-flag F ...] [--prime 5] [--node-client-ceiling true] [--batch-sizes 8,32] [--json FILE] \
 *     [generator options, see generator/index.ts]
 *
 * --charging auto (default): when apps/charging/src/main.ts exists, start Redis/NATS/PostgreSQL
 *   (@app/devstack, temporary directory), migrate, seed --subscribers N and the gateway; else none.
 * --charging HOST:PORT: a gateway that is already running (seeded with the same subscribers);
 *   --charging-pid names its processes so their CPU is reported.
 * --charging-cmd: a shell command that starts it, listening on --charging-addr.
 * --gateway-node-flag: a node flag for the gateway process only (repeatable), e.g.
 *   --gateway-node-flag=--cpu-prof --gateway-node-flag=--cpu-prof-dir=/tmp/prof to profile it.
 * --relay-process (default true): the outbox relay and the balance journal run as processes of
 *   their own (relay-main.ts, journal-main.ts), as k8s/base/relay.yaml and k8s/base/journal.yaml deploy them,
 *   their CPU in the `relay`/`journal cores` columns; false: both inside the gateway.
 * --prime: seconds of unmeasured load on each target first (JIT, pools, caches).
 * --node-client-ceiling: also run the echo-ceiling with node:http2 client sessions, to show why
 *   the generator uses its own HTTP/2 framer.
 * --floor (default true with a started stack): also measure, each round, the echo that first runs
 *   one small reserve-like Lua script per RPC on the stack's Redis (echo-server.ts --redis): the
 *   ceiling of any unary gateway with one atomic Redis step per request, and prints floor/echo and
 *   charging/floor.
 * --batch-sizes: h2load on the echo's batch method (./batch-echo.ts) with N DebitEvents per call,
 *   how far a batched API would take the transport; empty or 0 to skip.
 * --charge-batch-sizes (default 8,32): each round also drives ChargeBatch calls of N items (the
 *   generator's --batch, same mix) at the charging gateway and at the echo (which answers each item
 *   as its unary method), with as many items in flight as the unary runs (--concurrency / N calls,
 *   at least one per connection); prints items/s beside unary charging and the batched echo.
 * --h2load (default true) also runs, once per size of --charge-batch-sizes, h2load with one
 *   pre-encoded ChargeBatch call on the echo and on charging and one pre-encoded ChargeStream call on
 *   charging (./h2load.ts --call): the same bytes every time, so items after the first call are
 *   idempotent replays; the gateway's batched path without the balance work.
 * --streams (default 4; 0 to skip) x --stream-in-flight (default 32): each round also drives
 *   ChargeStream calls (./stream-load.ts) at the charging gateway, that many streams with that many
 *   unanswered items each, same mix; prints items/s and the p99 per item beside unary charging.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withTimedProgress } from '@app/runtime/progress';
import { Args } from '../lib/args';
import { ChargingStack, gatewayAvailable, startChargingStack } from '../lib/charging-stack';
import { fmtMs } from '../lib/histogram';
import { installChildCleanup } from '../lib/proc';
import { formatPerRequest, RedisStats } from '../lib/redis-stats';
import type { Codec } from './echo-server';
import type { H2loadCall } from './h2load';
import { generatorOptionsFrom, GeneratorOptions, summaryJson } from './generator';
import { formatTable, measureWithGenerator, measureWithH2load, measureWithStream, median, Row, serverUsPerRequest } from './measure';
import { external, startCommand, startEcho, startFloor, Target } from './targets';

/** The issue's targets for unary charging against the bare echo. */
export const THROUGHPUT_RATIO_MIN = 0.8;
export const P99_RATIO_MAX = 2.0;

const log = (line: string) => process.stderr.write(`[run-compare] ${line}\n`);

/** A measurement of known length with its progress on stderr (a bar on a terminal, lines otherwise). */
function timed<T>(label: string, expectedMs: number, work: Promise<T>): Promise<T> {
  return withTimedProgress({ label: `[run-compare] ${label}`, expectedMs }, work);
}

function envPairs(list: string[]): Record<string, string> {
  return Object.fromEntries(
    list.map((kv) => {
      const i = kv.indexOf('=');
      if (i <= 0) throw new Error(`expected KEY=VALUE, got ${kv}`);
      return [kv.slice(0, i), kv.slice(i + 1)];
    }),
  );
}

interface ChargingChoice {
  target?: Target;
  stack?: ChargingStack;
}

async function chargingTarget(args: Args, gen: GeneratorOptions, logDir: string): Promise<ChargingChoice> {
  const cmd = args.str('charging-cmd');
  const gatewayEnv = envPairs(args.all('gateway-env'));
  const redisAof = args.bool('redis-aof', true);
  const choice = args.str('charging', cmd ? 'cmd' : 'auto');
  const pids = args.all('charging-pid').map(Number);
  if (cmd) {
    const addr = args.str('charging-addr');
    if (!addr) throw new Error('--charging-cmd needs --charging-addr HOST:PORT');
    return { target: await startCommand('charging', cmd, addr, envPairs(args.all('charging-env')), logDir) };
  }
  if (choice === 'none') return {};
  if (choice === 'auto') {
    if (!gatewayAvailable()) {
      log('apps/charging/src/main.ts not found: measuring the echo only');
      return {};
    }
    const gatewayNodeFlags = args.all('gateway-node-flag');
    const relayProcess = args.bool('relay-process', true);
    const stack = await startChargingStack({
      relayProcess,
      subscribers: gen.mix.subscribers,
      msisdnBase: gen.mix.msisdnBase,
      redisAof,
      gatewayEnv,
      gatewayNodeFlags,
      log,
    });
    const { gateway, ...aux } = stack.pids;
    const pidsByRole: Record<string, number> = { server: gateway };
    for (const [role, pid] of Object.entries(aux)) if (pid !== undefined) pidsByRole[role] = pid;
    return { stack, target: { label: 'charging gateway', address: stack.grpcTarget, pids: pidsByRole, stop: () => stack.stop() } };
  }
  const rolePids: Record<string, number> = {};
  pids.forEach((pid, i) => (rolePids[i === 0 ? 'server' : `pid ${pid}`] = pid));
  return { target: external('charging', choice, rolePids) };
}

function ratioLines(echo: Row[], charging: Row[]): string[] {
  const tp = charging.map((c, i) => c.throughput / echo[i].throughput);
  const p99 = charging.map((c, i) => c.latency.percentileUs(99) / echo[i].latency.percentileUs(99));
  const t = median(tp);
  const p = median(p99);
  const perRound = tp.length > 1 ? ` (rounds: ${tp.map((x) => x.toFixed(2)).join(', ')} / ${p99.map((x) => x.toFixed(2)).join(', ')})` : '';
  return [
    `ratio charging/echo: throughput ${t.toFixed(2)} (target >= ${THROUGHPUT_RATIO_MIN}: ${t >= THROUGHPUT_RATIO_MIN ? 'PASS' : 'FAIL'}), ` +
      `p99 ${p.toFixed(2)} (target <= ${P99_RATIO_MAX}: ${p <= P99_RATIO_MAX ? 'PASS' : 'FAIL'})${perRound}`,
    `server CPU per request (median): echo ${median(echo.map(serverUsPerRequest)).toFixed(0)} µs, gateway ${median(charging.map(serverUsPerRequest)).toFixed(0)} µs` +
      (['relay', 'journal', 'redis', 'nats', 'postgres'] as const)
        .filter((role) => charging[0].targetCores[role] !== undefined)
        .map((role) => `, ${role} ${median(charging.map((r) => ((r.targetCores[role] ?? 0) * 1e6) / r.throughput)).toFixed(0)} µs`)
        .join('') +
      `; every charging process together ${median(charging.map((r) => (Object.values(r.targetCores).reduce((a, b) => a + b, 0) * 1e6) / r.throughput)).toFixed(0)} µs`,
  ];
}

/** How far the floor (echo + one small Lua call) is from the echo, and the gateway from the floor. */
function floorLines(echo: Row[], charging: Row[], floor: Row[]): string[] {
  const ratio = (a: Row[], b: Row[], f: (r: Row) => number) => median(a.map((x, i) => f(x) / f(b[i])));
  const tp = (r: Row) => r.throughput;
  const p99 = (r: Row) => r.latency.percentileUs(99);
  return [
    `floor (echo + 1 Lua call per request): floor/echo throughput ${ratio(floor, echo, tp).toFixed(2)}, p99 ${ratio(floor, echo, p99).toFixed(2)}; ` +
      `charging/floor throughput ${ratio(charging, floor, tp).toFixed(2)}, p99 ${ratio(charging, floor, p99).toFixed(2)}; ` +
      `floor server CPU ${median(floor.map(serverUsPerRequest)).toFixed(0)} µs, Redis ${median(floor.map((r) => ((r.targetCores.redis ?? 0) * 1e6) / r.throughput)).toFixed(0)} µs per request`,
  ];
}

function ceilingLines(h2: Row | undefined, gen: Row, node: Row | undefined): string[] {
  const lines = [
    `generator ceiling: ${gen.clientUsPerRequest.toFixed(1)} µs of generator CPU per request -> about ${Math.round(1e6 / gen.clientUsPerRequest).toLocaleString('en-US')} req/s per core it is given`,
  ];
  if (node) {
    lines.push(
      `  (same generator on node:http2 client sessions: ${node.clientUsPerRequest.toFixed(1)} µs per request -> about ${Math.round(1e6 / node.clientUsPerRequest).toLocaleString('en-US')} req/s per core; ` +
        `it drove the echo to ${Math.round(node.throughput).toLocaleString('en-US')} req/s)`,
    );
  }
  if (h2) {
    lines.push(
      `h2load ceiling:    ${h2.clientUsPerRequest.toFixed(1)} µs of h2load CPU per request -> about ${Math.round(1e6 / h2.clientUsPerRequest).toLocaleString('en-US')} req/s per core; ` +
        `on the echo: generator ${Math.round(gen.throughput).toLocaleString('en-US')} req/s vs h2load ${Math.round(h2.throughput).toLocaleString('en-US')} req/s (${(gen.throughput / h2.throughput).toFixed(2)}x), ` +
        `p99 ${fmtMs(gen.latency.percentileUs(99))} vs ${fmtMs(h2.latency.percentileUs(99))} ms`,
    );
  }
  lines.push(
    `echo server CPU during the ceiling runs: ${[h2, gen]
      .filter((r): r is Row => !!r)
      .map((r) => `${r.client} ${(r.targetCores.server ?? 0).toFixed(2)} cores`)
      .join(', ')} (1.00 = its one thread saturated: the server, not the client, is the limit)`,
  );
  return lines;
}

/** Items in flight as in the unary runs: concurrency / n calls, at least one per connection. */
function batchedOptions(gen: Omit<GeneratorOptions, 'target'>, n: number): Omit<GeneratorOptions, 'target'> {
  const connections = gen.workers * gen.connectionsPerWorker;
  return { ...gen, batch: n, concurrency: Math.max(connections, Math.round(gen.concurrency / n)) };
}

const items = (r: Row) => r.generator?.itemThroughput ?? r.throughput;

/** Batched charging against unary charging and against the batched echo, per batch size (medians over rounds). */
function chargeBatchLines(unaryCharging: Row[], batched: Map<number, { charging: Row[]; echo: Row[] }>): string[] {
  if (unaryCharging.length === 0) return [];
  const unary = median(unaryCharging.map((r) => r.throughput));
  const unaryP99 = median(unaryCharging.map((r) => r.latency.percentileUs(99)));
  return [...batched].map(([n, { charging, echo }]) => {
    const c = median(charging.map(items));
    const e = median(echo.map(items));
    const cpu = median(charging.map((r) => (Object.values(r.targetCores).reduce((a, b) => a + b, 0) * 1e6) / items(r)));
    return (
      `ChargeBatch of ${n}: charging ${Math.round(c).toLocaleString('en-US')} items/s = x${(c / unary).toFixed(2)} unary charging ` +
      `(${Math.round(unary).toLocaleString('en-US')} req/s; target >= x5 and >= 25,000/s: ${c / unary >= 5 && c >= 25_000 ? 'PASS' : 'FAIL'}), ` +
      `p99 per call ${fmtMs(median(charging.map((r) => r.latency.percentileUs(99))))} ms vs unary ${fmtMs(unaryP99)} ms, ` +
      `every charging process ${cpu.toFixed(0)} µs per item; batched echo ${Math.round(e).toLocaleString('en-US')} items/s (charging/echo ${(c / e).toFixed(2)})`
    );
  });
}

/** Streamed charging against unary charging (medians over rounds). */
function streamLines(unaryCharging: Row[], streamed: Row[]): string[] {
  if (unaryCharging.length === 0 || streamed.length === 0) return [];
  const unary = median(unaryCharging.map((r) => r.throughput));
  const c = median(streamed.map((r) => r.throughput));
  const cpu = median(streamed.map((r) => (Object.values(r.targetCores).reduce((a, b) => a + b, 0) * 1e6) / r.throughput));
  return [
    `ChargeStream: charging ${Math.round(c).toLocaleString('en-US')} items/s = x${(c / unary).toFixed(2)} unary charging ` +
      `(target >= x5 and >= 25,000/s: ${c / unary >= 5 && c >= 25_000 ? 'PASS' : 'FAIL'}), p99 per item ${fmtMs(median(streamed.map((r) => r.latency.percentileUs(99))))} ms ` +
      `vs unary ${fmtMs(median(unaryCharging.map((r) => r.latency.percentileUs(99))))} ms, every charging process ${cpu.toFixed(0)} µs per item`,
  ];
}

function batchLines(unary: Row | undefined, batches: Row[]): string[] {
  if (!unary || batches.length === 0) return [];
  const cells = batches.map((b) => {
    const n = b.h2load?.options.batch ?? 1;
    const ops = b.throughput * n;
    return `batch ${n}: ${Math.round(ops).toLocaleString('en-US')} DebitEvents/s (x${(ops / unary.throughput).toFixed(1)}, p99 ${fmtMs(b.latency.percentileUs(99))} ms per call, echo ${(((b.targetCores.server ?? 0) * 1e6) / ops).toFixed(1)} µs/event)`;
  });
  return [
    `batched API on the same echo (h2load): unary ${Math.round(unary.throughput).toLocaleString('en-US')} DebitEvents/s (${serverUsPerRequest(unary).toFixed(1)} µs/event); ${cells.join('; ')}`,
  ];
}

async function main(): Promise<void> {
  installChildCleanup();
  const args = new Args();
  const gen = generatorOptionsFrom(args, 'unused');
  const rounds = args.num('rounds', 1);
  const withH2load = args.bool('h2load', true);
  const withNodeClient = args.bool('node-client-ceiling', true);
  const primeMs = args.num('prime', 5) * 1000;
  const batchSizes = args
    .str('batch-sizes', '8,32')
    .split(',')
    .filter((x) => x !== '' && x !== '0')
    .map(Number);
  const chargeBatchSizes = args
    .str('charge-batch-sizes', '8,32')
    .split(',')
    .filter((x) => x !== '' && x !== '0')
    .map(Number);
  const streams = args.num('streams', 4);
  const streamInFlight = args.num('stream-in-flight', 32);
  const echoCodec = args.str('echo-codec', 'ts-proto') as Codec;
  const withFloor = args.bool('floor', true);
  const json = args.str('json');
  const logDir = mkdtempSync(join(tmpdir(), 'ratel-compare-'));
  const targets: Target[] = [];
  let redisStats: RedisStats | undefined;
  let ok = false;
  try {
    const charging = await chargingTarget(args, gen, logDir);
    args.rejectUnknown();
    if (charging.target) targets.push(charging.target);
    const echo = await startEcho('grpc-js', echoCodec, logDir);
    redisStats = charging.stack ? new RedisStats(charging.stack.redisUrl) : undefined;
    targets.push(echo);
    const floor =
      withFloor && charging.stack ? await startFloor(echoCodec, charging.stack.redisUrl, logDir, charging.stack.pids.redis) : undefined;
    if (floor) targets.push(floor);
    const { target: _t, ...genOpts } = gen;
    const echoRows: Row[] = [];
    const chargingRows: Row[] = [];
    const floorRows: Row[] = [];
    const streamRows: Row[] = [];
    const batchedRows = new Map(chargeBatchSizes.map((n) => [n, { charging: [] as Row[], echo: [] as Row[] }]));
    if (primeMs > 0) {
      // A cold process (JIT, connection pools, caches) is not what the comparison is about.
      for (const t of targets) {
        log(`priming ${t.label} for ${primeMs / 1000} s (not measured)`);
        const primeOpts = { ...genOpts, warmupMs: 0, durationMs: primeMs };
        await timed('priming', primeMs, measureWithGenerator(`prime ${t.label}`, t, primeOpts));
      }
    }
    const measureMs = gen.warmupMs + gen.durationMs;
    for (let r = 1; r <= rounds; r++) {
      log(`round ${r}/${rounds}: echo`);
      echoRows.push(await timed('echo', measureMs, measureWithGenerator(`${echo.label} r${r}`, echo, genOpts)));
      if (charging.target) {
        log(`round ${r}/${rounds}: charging`);
        await redisStats?.reset();
        const label = `${charging.target.label} r${r}`;
        const row = await timed('charging', measureMs, measureWithGenerator(label, charging.target, genOpts));
        if (redisStats)
          row.detail.push(`  ${formatPerRequest(await redisStats.read(), Math.max(1, row.generator?.completedAll ?? 1)).join('\n  ')}`);
        chargingRows.push(row);
      }
      if (floor) {
        log(`round ${r}/${rounds}: ${floor.label}`);
        floorRows.push(await timed('floor', measureMs, measureWithGenerator(`${floor.label} r${r}`, floor, genOpts)));
      }
      if (charging.target && streams > 0) {
        log(`round ${r}/${rounds}: ChargeStream, ${streams} streams x ${streamInFlight} in flight, charging`);
        await redisStats?.reset();
        const options = {
          streams,
          inFlight: streamInFlight,
          durationMs: gen.durationMs,
          warmupMs: gen.warmupMs,
          mix: gen.mix,
          seed: gen.seed,
        };
        const row = await timed(
          'charging stream',
          measureMs,
          measureWithStream(`${charging.target.label} ChargeStream r${r}`, charging.target, options),
        );
        if (redisStats)
          row.detail.push(
            `  per item: ${formatPerRequest(await redisStats.read(), Math.max(1, row.stream?.completedAll ?? 1)).join('\n  ')}`,
          );
        streamRows.push(row);
      }
      for (const [n, got] of charging.target ? batchedRows : []) {
        const opts = batchedOptions(genOpts, n);
        log(`round ${r}/${rounds}: ChargeBatch of ${n}, echo and charging`);
        got.echo.push(await timed(`echo batch ${n}`, measureMs, measureWithGenerator(`${echo.label} ChargeBatch ${n} r${r}`, echo, opts)));
        const label = `${charging.target!.label} ChargeBatch ${n} r${r}`;
        await redisStats?.reset();
        const row = await timed(`charging batch ${n}`, measureMs, measureWithGenerator(label, charging.target!, opts));
        // Redis command time per item (completedAll counts calls, each of n items).
        if (redisStats)
          row.detail.push(
            `  per item: ${formatPerRequest(await redisStats.read(), Math.max(1, (row.generator?.completedAll ?? 1) * n)).join('\n  ')}`,
          );
        got.charging.push(row);
      }
    }
    log('ceiling: h2load and the generator, same DebitEvent frame, on the echo');
    const ceilingOpts = { ...genOpts, scenario: 'echo-ceiling' as const };
    const h2 = withH2load
      ? await timed(
          'h2load ceiling',
          measureMs,
          measureWithH2load(echo.label, echo, {
            concurrency: gen.concurrency,
            connections: gen.workers * gen.connectionsPerWorker,
            durationMs: gen.durationMs,
            warmupMs: gen.warmupMs,
          }),
        )
      : undefined;
    const genCeiling = await timed('generator ceiling', measureMs, measureWithGenerator(echo.label, echo, ceilingOpts));
    const nodeCeiling =
      withNodeClient && gen.client !== 'node'
        ? await timed(
            'node:http2 ceiling',
            measureMs,
            measureWithGenerator(`${echo.label} node:http2`, echo, { ...ceilingOpts, client: 'node' }),
          )
        : undefined;
    const batchRows: Row[] = [];
    for (const n of withH2load ? batchSizes : []) {
      log(`batched API ceiling: h2load, ${n} DebitEvents per call, on the echo`);
      // As many DebitEvents in flight as the unary runs have (at least one call per connection).
      const connections = gen.workers * gen.connectionsPerWorker;
      const calls = Math.max(connections, Math.round(gen.concurrency / n));
      const options = { concurrency: calls, connections, durationMs: gen.durationMs, warmupMs: gen.warmupMs, batch: n };
      const label = `${echo.label} batch ${n}`;
      batchRows.push(await timed(`batch ${n}`, measureMs, measureWithH2load(label, echo, options)));
    }
    // charging.v1's own batched RPCs with h2load: the same pre-encoded call every time, so items
    // after the first call are idempotent replays (./h2load.ts): the gateway's batched path without
    // the balance work, beside the echo answering the same bytes.
    const h2ChargeRows: H2ChargeRow[] = [];
    for (const n of withH2load ? chargeBatchSizes : []) {
      const connections = gen.workers * gen.connectionsPerWorker;
      const calls = Math.max(connections, Math.round(gen.concurrency / n));
      const base = {
        concurrency: calls,
        connections,
        durationMs: gen.durationMs,
        warmupMs: gen.warmupMs,
        batch: n,
        msisdnBase: gen.mix.msisdnBase,
        subscribers: gen.mix.subscribers,
      };
      const runs: [Target | undefined, H2loadCall][] = [
        [echo, 'ChargeBatch'],
        [charging.target, 'ChargeBatch'],
        [charging.target, 'ChargeStream'],
      ];
      for (const [t, call] of runs) {
        if (!t) continue;
        log(`h2load: ${call} of ${n} pre-encoded items, ${t.label}`);
        const row = await timed(
          `h2load ${call} ${n}`,
          measureMs,
          measureWithH2load(`${t.label} h2load ${call} ${n}`, t, { ...base, call, runId: `h2load-${call}-${n}-${Date.now()}` }),
        );
        h2ChargeRows.push({ n, call, echo: t === echo, row });
      }
    }
    const rows = [
      ...echoRows.flatMap((e, i) => [e, chargingRows[i], floorRows[i]].filter((r): r is Row => r !== undefined)),
      ...(h2 ? [h2] : []),
      genCeiling,
      ...(nodeCeiling ? [nodeCeiling] : []),
      ...batchRows,
      ...[...batchedRows.values()].flatMap((b) => b.echo.flatMap((e, i) => [e, b.charging[i]])),
      ...streamRows,
      ...h2ChargeRows.map((h) => h.row),
    ];
    const out = [
      '',
      `charging.v1 unary, mix: ${gen.concurrency} in flight, ${gen.workers} generator workers x ${gen.connectionsPerWorker} connections, ${gen.durationMs / 1000} s per measurement after ${gen.warmupMs / 1000} s warm-up, ` +
        `${gen.mix.subscribers.toLocaleString('en-US')} subscribers, SMS share ${gen.mix.smsShare}, voice share ${gen.mix.voiceShare}`,
      ...formatTable(rows),
      '',
      ...(chargingRows.length > 0 ? ratioLines(echoRows, chargingRows) : ['no charging target measured (see --charging)']),
      ...chargeBatchLines(chargingRows, batchedRows),
      ...streamLines(chargingRows, streamRows),
      ...(floorRows.length > 0 ? floorLines(echoRows, chargingRows, floorRows) : []),
      ...ceilingLines(h2, genCeiling, nodeCeiling),
      ...batchLines(h2, batchRows),
      ...h2ChargeLines(h2ChargeRows),
      '',
      'details:',
      ...rows.flatMap((r) => r.detail),
    ];
    process.stdout.write(`${out.join('\n')}\n`);
    if (json) {
      writeFileSync(
        json,
        JSON.stringify(
          {
            echo: echoRows.map(rowJson),
            charging: chargingRows.map(rowJson),
            floor: floorRows.map(rowJson),
            h2load: h2 && rowJson(h2),
            generatorCeiling: rowJson(genCeiling),
            chargeStream: streamRows.map(rowJson),
            h2loadCharge: h2ChargeRows.map((h) => ({ n: h.n, call: h.call, echo: h.echo, ...rowJson(h.row) })),
            chargeBatch: Object.fromEntries(
              [...batchedRows].map(([n, b]) => [n, { charging: b.charging.map(rowJson), echo: b.echo.map(rowJson) }]),
            ),
          },
          null,
          2,
        ),
      );
    }
    ok = true;
  } finally {
    await redisStats?.close();
    for (const t of targets.reverse()) await t.stop().catch((e: unknown) => log(`stopping ${t.label}: ${String(e)}`));
    if (ok) rmSync(logDir, { recursive: true, force: true });
    else log(`server logs kept in ${logDir}`);
  }
}

interface H2ChargeRow {
  n: number;
  call: H2loadCall;
  /** On the echo (else on the charging gateway). */
  echo: boolean;
  row: Row;
}

function h2ChargeLines(rows: H2ChargeRow[]): string[] {
  const sizes = [...new Set(rows.map((r) => r.n))];
  return sizes.map((n) => {
    const of = (call: H2loadCall, echo: boolean) => rows.find((r) => r.n === n && r.call === call && r.echo === echo)?.row.throughput;
    const [echoBatch, batch, stream] = [of('ChargeBatch', true), of('ChargeBatch', false), of('ChargeStream', false)];
    const f = (v: number | undefined) => (v === undefined ? '-' : Math.round(v).toLocaleString('en-US'));
    return (
      `h2load, ${n} pre-encoded items per call (replays after the first call): ChargeBatch charging ${f(batch)} items/s, echo ${f(echoBatch)} items/s` +
      (batch !== undefined && echoBatch ? ` (charging/echo ${(batch / echoBatch).toFixed(2)})` : '') +
      `; ChargeStream charging ${f(stream)} items/s`
    );
  });
}

function rowJson(r: Row): Record<string, unknown> {
  return {
    label: r.label,
    client: r.client,
    throughput: r.throughput,
    itemThroughput: items(r),
    p50Ms: r.latency.percentileUs(50) / 1000,
    p99Ms: r.latency.percentileUs(99) / 1000,
    p999Ms: r.latency.percentileUs(99.9) / 1000,
    okShare: r.okShare,
    targetCores: r.targetCores,
    clientCores: r.clientCores,
    clientUsPerRequest: r.clientUsPerRequest,
    otherCores: r.otherCores,
    generator: r.generator && summaryJson(r.generator),
  };
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`run-compare: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
