/**
 * CDR rating throughput: one generated voice file rated through the mediation pipeline
 * (apps/charging/src/mediation/ingest/cdr-file-run.ts: streaming parse, Redis resolution, piscina
 * rating pool, JetStream publish with Nats-Msg-Id) with 1 and with 2 workers, beside the raw
 * `rateUsage` rate of the same records in the main thread (baseline, same run) and the ratios.
 * Each pipeline run publishes into a fresh stream, so no run is a duplicate of another.
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register load-tests/cdr/cdr-bench.ts \
 *     [--records 200000] [--subscribers 1000] [--batch 500] [--workers 1,2] [--runs 1] [--publish false]
 *
 * Uses REDIS_URL / NATS_URL when set, else starts a throwaway Redis and nats-server (libs/devstack)
 * and stops them at the end. Not measured: the first pass (SHA-256 and line count, printed
 * apart) and the two ClickHouse summary rows of a file.
 */
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startNats, startRedis, StartedServer, uniqueId } from '@app/devstack';
import { DUPLICATE_WINDOW_MS } from '@app/events';
import { createRegistry, systemClock } from '@app/observability';
import { rateUsage } from '@app/rating';
import Redis from 'ioredis';
import { connect, nanos, NatsConnection, RetentionPolicy, StorageType } from 'nats';
import { RedisBalanceEngine } from '../../apps/charging/src/balance/redis-balance-engine';
import { CDR_HEADERS, CdrRecord, parseCdrLine } from '../../apps/charging/src/mediation/cdr-formats';
import { createCdrMetrics } from '../../apps/charging/src/mediation/cdr-metrics';
import { rateCdrFile } from '../../apps/charging/src/mediation/ingest/cdr-file-run';
import { scanFile } from '../../apps/charging/src/mediation/ingest/file-scan';
import { CdrRatingPool } from '../../apps/charging/src/mediation/rating/cdr-rating-pool';
import type { CdrRejectRow } from '../../apps/charging/src/mediation/storage/cdr-store';
import { JetStreamCdrPublisher } from '../../apps/charging/src/mediation/storage/event-publisher';
import { RedisRecordClaims } from '../../apps/charging/src/mediation/storage/record-claims';
import { RedisSubscriberDirectory } from '../../apps/charging/src/mediation/storage/subscriber-directory';
import { TEST_PLAN, TEST_PLAN_ID, TEST_PLAN_JSON, TEST_TIME_ZONE } from '../../apps/charging/src/mediation/test/cdr-fixtures';
import { Args } from '../lib/args';

const MSISDN_BASE = 33_612_000_000;
/** Accounts the subscribers are spread over. */
const ACCOUNTS = 100;
/** Streams are deleted at the end; their reservation on the server is kept small. */
const STREAM_MAX_BYTES = 2 * 1024 ** 3;

interface Servers {
  redisUrl: string;
  natsUrl: string;
  started: StartedServer[];
}

async function servers(dir: string): Promise<Servers> {
  const started: StartedServer[] = [];
  const start = async (s: Promise<StartedServer>): Promise<string> => {
    const server = await s;
    started.push(server);
    return server.url;
  };
  const redisUrl = process.env.REDIS_URL ?? (await start(startRedis({ dir: join(dir, 'redis'), persist: false })));
  const natsUrl = process.env.NATS_URL ?? (await start(startNats({ dir: join(dir, 'nats') })));
  return { redisUrl, natsUrl, started };
}

/** A deterministic generator (LCG) so every run rates the same file. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** `records` voice lines over November 2026 (peak, off-peak, weekend, band crossings, some roaming). */
function voiceFile(records: number, subscribers: number): string {
  const r = rng(42);
  const lines = [CDR_HEADERS.voice.join(',')];
  const called = ['33140000000', '33612345678', '33712345678', '33499887766'];
  for (let i = 0; i < records; i++) {
    const start = new Date(Date.UTC(2026, 10, 1) + Math.floor(r() * 29 * 86_400) * 1000).toISOString().replace('.000Z', 'Z');
    const roaming = r() < 0.05 ? 1 : 0;
    lines.push(
      `b-${i},${MSISDN_BASE + (i % subscribers)},${called[i % called.length]},${start},${1 + Math.floor(r() * 1200)},${roaming},0`,
    );
  }
  return `${lines.join('\n')}\n`;
}

async function provision(redis: Redis, prefix: string, subscribers: number): Promise<void> {
  const engine = new RedisBalanceEngine(redis, { prefix });
  await engine.putPlan(TEST_PLAN_ID, TEST_PLAN_JSON);
  for (let a = 0; a < ACCOUNTS; a++) {
    await engine.upsertAccount(
      {
        accountId: `bench-${a}`,
        type: 'POSTPAID',
        currency: 'EUR',
        creditLimitMicros: 10n ** 12n,
        thresholdsMicros: [],
        status: 'ACTIVE',
        timeZone: TEST_TIME_ZONE,
        planId: TEST_PLAN_ID,
        cycleDay: 1,
      },
      0n,
    );
  }
  await Promise.all(
    Array.from({ length: subscribers }, (_, s) =>
      engine.routeSubscriber(String(MSISDN_BASE + s), {
        accountId: `bench-${s % ACCOUNTS}`,
        planId: TEST_PLAN_ID,
        timeZone: TEST_TIME_ZONE,
        currency: 'EUR',
        cycleDay: 1,
      }),
    ),
  );
}

/** Rows per second of bare `rateUsage` over the file's records, main thread, no I/O. */
function baseline(records: readonly CdrRecord[]): { rowsPerS: number; amount: bigint } {
  let amount = 0n;
  const t0 = performance.now();
  for (const rec of records) {
    const { ratingGroup, serviceId, calledNumber, startMs, units, roaming } = rec;
    amount += rateUsage(TEST_PLAN, {
      ratingGroup,
      serviceId,
      calledNumber,
      startMs,
      units,
      roaming,
      timeZone: TEST_TIME_ZONE,
      cycleUsedBefore: 0,
    }).amountMicros;
  }
  return { rowsPerS: records.length / ((performance.now() - t0) / 1000), amount };
}

interface RunResult {
  rowsPerS: number;
  seconds: number;
  rated: number;
  rejected: number;
  amount: bigint;
}

/** Counts instead of publishing (`--publish false`): the pipeline without JetStream. */
const countingPublisher = { publish: async (events: readonly unknown[]) => ({ stored: events.length, duplicates: 0 }) };

async function pipelineRun(
  nc: NatsConnection,
  redis: Redis,
  prefix: string,
  path: string,
  fileId: string,
  workers: number,
  batch: number,
  publish: boolean,
): Promise<RunResult> {
  const jsm = await nc.jetstreamManager();
  const stream = uniqueId('CDRBENCH');
  await jsm.streams.add({
    name: stream,
    subjects: [`${stream}.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    max_bytes: STREAM_MAX_BYTES,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
  });
  const pool = new CdrRatingPool(workers);
  await pool.warmUp();
  let rejects = 0;
  const deps = {
    directory: new RedisSubscriberDirectory(redis, prefix),
    pool,
    publisher: publish ? new JetStreamCdrPublisher(nc, `${stream}.ratel.rated.v1`) : countingPublisher,
    // The duplicate check, as in production (one Redis SET per record); a second run of the same file owns its claims.
    claims: new RedisRecordClaims(redis, prefix, 3_600_000),
    store: { insertRejects: async (rows: readonly CdrRejectRow[]) => void (rejects += rows.length) },
    metrics: createCdrMetrics(createRegistry('bench')),
    clock: systemClock,
  };
  try {
    const t0 = performance.now();
    const r = await rateCdrFile(deps, {
      fileId,
      fileName: 'bench.csv',
      format: 'voice',
      batchRecords: batch,
      source: createReadStream(path, { highWaterMark: 256 * 1024 }),
    });
    const seconds = (performance.now() - t0) / 1000;
    const stored = (await jsm.streams.info(stream)).state.messages;
    if ((publish && stored !== r.rated) || rejects !== r.rejected)
      throw new Error(`stream holds ${stored} messages for ${r.rated} rated; ${rejects} rejects stored for ${r.rejected}`);
    return { rowsPerS: r.records / seconds, seconds, rated: r.rated, rejected: r.rejected, amount: r.totals[0]?.amountMicros ?? 0n };
  } finally {
    await pool.close();
    await jsm.streams.delete(stream);
  }
}

async function main(): Promise<void> {
  const args = new Args();
  const records = args.num('records', 200_000);
  const subscribers = args.num('subscribers', 1_000);
  const batch = args.num('batch', 500);
  const workerCounts = args.str('workers', '1,2').split(',').map(Number);
  const runs = args.num('runs', 1);
  const publish = args.bool('publish', true);
  args.rejectUnknown();

  const dir = mkdtempSync(join(tmpdir(), 'cdr-bench-'));
  const { redisUrl, natsUrl, started } = await servers(dir);
  const redis = new Redis(redisUrl);
  const nc = await connect({ servers: natsUrl });
  const prefix = `${uniqueId('cdrbench')}:`;
  try {
    const path = join(dir, 'bench-voice.csv');
    writeFileSync(path, voiceFile(records, subscribers));
    await provision(redis, prefix, subscribers);
    const t0 = performance.now();
    const scan = await scanFile(path, 'voice');
    console.log(
      `file: ${records} voice records, ${(scan.sizeBytes / 1024 ** 2).toFixed(1)} MiB, ${subscribers} subscribers on ${ACCOUNTS} postpaid accounts; first pass (sha256 + lines) ${(performance.now() - t0).toFixed(0)} ms`,
    );
    const parsed = voiceFile(records, subscribers)
      .split('\n')
      .slice(1, -1)
      .map((l) => parseCdrLine('voice', l))
      .map((p) => (p.ok ? p.record : undefined))
      .filter((p): p is CdrRecord => p !== undefined);
    for (let run = 1; run <= runs; run++) {
      const base = baseline(parsed);
      console.log(`run ${run}: baseline rateUsage, main thread: ${base.rowsPerS.toFixed(0)} rows/s`);
      const rates: number[] = [];
      for (const workers of workerCounts) {
        const r = await pipelineRun(nc, redis, prefix, path, scan.fileId, workers, batch, publish);
        if (r.amount !== base.amount) throw new Error(`pipeline total ${r.amount} != baseline total ${base.amount}`);
        console.log(
          `run ${run}: pipeline${publish ? '' : ' without JetStream'}, ${workers} worker(s), batch ${batch}: ${r.rowsPerS.toFixed(0)} rows/s (${r.seconds.toFixed(2)} s, ${r.rated} rated, ${r.rejected} rejected), ` +
            `${(r.rowsPerS / base.rowsPerS).toFixed(2)}x baseline`,
        );
        rates.push(r.rowsPerS);
      }
      if (rates.length > 1)
        console.log(
          `run ${run}: ${workerCounts[rates.length - 1]} workers / ${workerCounts[0]}: ${(rates[rates.length - 1] / rates[0]).toFixed(2)}x`,
        );
    }
  } finally {
    const keys = await redis.keys(`${prefix}*`);
    for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
    await redis.quit();
    await nc.close();
    await Promise.all(started.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
