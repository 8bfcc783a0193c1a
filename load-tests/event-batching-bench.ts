/**
 * What several rated events per JetStream message would save (issue 11's "what would move it"): the
 * same N rated events (the relay's JSON, ~0.5 KB each, 10,000 accounts) published to JetStream K per
 * message, K = 1 (today's contract: one event per message, the baseline) and larger, the way the relay
 * publishes (JetStreamPublisher: core publishes with a reply inbox, Nats-Msg-Id, acks matched, 1,024 in
 * flight), then read back the way the balance journal reads (an ordered consumer, fetches of 1,000
 * messages, each event parsed). For each K and each side it prints the wall time and the CPU per EVENT
 * of nats-server and of this process, and the ratio to K = 1 measured in the same run.
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register load-tests/event-batching-bench.ts \
 *     [--n 200000] [--groups 1,8,32,128] [--rounds 2]
 *
 * Starts a throwaway nats-server (libs/devstack) in a temporary directory and stops it at the end;
 * the rounds alternate the group sizes so the box's drift touches each alike.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNats, uniqueId } from '@app/devstack';
import { createNatsConnection, drainNats } from '@app/runtime';
import { validateRatedEvent } from '@app/events';
import { DeliverPolicy, type NatsConnection } from 'nats';
import type { OutboxMessage } from '../apps/charging/src/outbox/jetstream-publisher';
import { ensureStreams, streamNamesFor } from '../apps/charging/src/outbox/streams';
import { RATED_COMPACT_FIELDS, ratedJsonOf } from '../apps/charging/src/balance/outbox-entry';
import { Args } from './lib/args';
import { publishLikeTheRelay } from './lib/jetstream-publish';
import { cpuSecondsOfTree } from './lib/proc';

/** Messages per fetch when reading back (the journal's JOURNAL_BATCH_MAX order of size). */
const FETCH_MAX = 1000;
/** Accounts the events are spread over (subjects `<root>.<account>`, as the relay publishes). */
const ACCOUNTS = 10_000;
/** The bench's streams are deleted after each phase; their reservation is kept small. */
const BENCH_STREAM_LIMITS = { ratedMaxBytes: 2 * 1024 ** 3, notifyMaxBytes: 1024 ** 2 };

/** N rated DEBIT events as the relay publishes them (ratedJsonOf of a compact entry), with their ids and accounts. */
function ratedEvents(n: number): { eventId: string; accountId: string; json: string }[] {
  const now = Date.parse('2026-12-05T10:00:00Z');
  return Array.from({ length: n }, (_, i) => {
    const accountId = `lt-${i % ACCOUNTS}`;
    const eventId = `${i.toString(16).padStart(8, '0')}${'0'.repeat(32)}`;
    const values: Record<(typeof RATED_COMPACT_FIELDS)[number], string> = {
      type: 'DEBIT',
      accountId,
      subscriberId: String(4915100000000 + (i % ACCOUNTS)),
      sessionId: `sess-${i}`,
      requestId: `req-${i}`,
      requestNumber: '2',
      ratingGroup: '10',
      serviceId: '0',
      unit: 'BYTES',
      usedUnits: '5242880',
      billableUnits: '5242880',
      allowanceUnits: '0',
      allowances: '',
      amountMicros: '40000',
      currency: 'EUR',
      balanceAfterMicros: '9960000',
      tariffId: 'ratel-loadtest-flat@1',
      cycleId: '2026-12',
      cycleUnits: '',
      occurredAtMs: String(now + i),
      overageUnits: '',
      reason: '',
      releasedMicros: '',
      shortfallMicros: '',
    };
    const compact = RATED_COMPACT_FIELDS.map((f) => values[f]).join('|');
    const r = ratedJsonOf(eventId, compact);
    if (!('json' in r)) throw new Error(r.malformed);
    const valid = validateRatedEvent(JSON.parse(r.json));
    if (!valid.ok) throw new Error(`the bench's event is not a valid ratel.rated.v1: ${JSON.stringify(valid.issues)}`);
    return { eventId, accountId, json: r.json };
  });
}

/** The events K per message: a JSON array of the events' JSON, under the first event's id and account subject. */
function grouped(events: ReturnType<typeof ratedEvents>, k: number, subjectRoot: string): OutboxMessage[] {
  const out: OutboxMessage[] = [];
  for (let i = 0; i < events.length; i += k) {
    const g = events.slice(i, i + k);
    const body = k === 1 ? g[0].json : `[${g.map((e) => e.json).join(',')}]`;
    out.push({ subject: `${subjectRoot}.${g[0].accountId}`, eventId: g[0].eventId, data: Buffer.from(body, 'utf8') });
  }
  return out;
}

interface Phase {
  wallS: number;
  natsCpuS: number;
  selfCpuS: number;
}

async function measured(natsPid: number, fn: () => Promise<void>): Promise<Phase> {
  const n0 = cpuSecondsOfTree(natsPid);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const wallS = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { wallS, natsCpuS: cpuSecondsOfTree(natsPid) - n0, selfCpuS: (c.user + c.system) / 1e6 };
}

/** Reads the whole stream with an ordered consumer (no acks, as the journal's), parsing every event; returns the events read. */
async function readBack(nc: NatsConnection, stream: string, messages: number, k: number): Promise<number> {
  const consumer = await nc.jetstream().consumers.get(stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: 1 });
  let read = 0;
  let events = 0;
  while (read < messages) {
    // Never more than what is left: a fetch short of its count waits for its expiry.
    for await (const m of await consumer.fetch({ max_messages: Math.min(FETCH_MAX, messages - read), expires: 5_000 })) {
      read++;
      const parsed: unknown = JSON.parse(m.string());
      events += k === 1 ? 1 : (parsed as unknown[]).length;
    }
  }
  await consumer.delete().catch(() => undefined);
  return events;
}

async function main(): Promise<void> {
  const a = new Args();
  const n = a.num('n', 200_000);
  const groups = a
    .str('groups', '1,8,32,128')
    .split(',')
    .map((x) => Number(x));
  const rounds = a.num('rounds', 2);
  if (!groups.includes(1)) throw new Error('--groups must include 1, the baseline');
  const dir = mkdtempSync(join(tmpdir(), 'event-batching-bench-'));
  const nats = await startNats({ dir: join(dir, 'nats') });
  const nc = await createNatsConnection(nats.url, 'event-batching-bench');
  const events = ratedEvents(n);
  const avgBytes = events.reduce((s, e) => s + e.json.length, 0) / n;
  console.log(`event-batching-bench n=${n} events (${avgBytes.toFixed(0)} bytes each), groups ${groups.join(',')}, rounds ${rounds}`);
  const rows = new Map<number, { pub: Phase[]; read: Phase[] }>(groups.map((k) => [k, { pub: [], read: [] }]));
  try {
    for (let r = 1; r <= rounds; r++) {
      for (const k of r % 2 === 1 ? groups : [...groups].reverse()) {
        const names = streamNamesFor(uniqueId('ebb'));
        const jsm = await nc.jetstreamManager();
        await ensureStreams(jsm, { names, limits: BENCH_STREAM_LIMITS });
        const msgs = grouped(events, k, names.rated.subjectRoot);
        const pub = await measured(nats.pid, () => publishLikeTheRelay(nc, msgs));
        const stored = (await jsm.streams.info(names.rated.name)).state.messages;
        if (stored !== msgs.length) throw new Error(`K=${k}: ${stored} messages stored, ${msgs.length} published`);
        let got = 0;
        const read = await measured(nats.pid, async () => {
          got = await readBack(nc, names.rated.name, msgs.length, k);
        });
        if (got !== n) throw new Error(`K=${k}: read ${got} events, expected ${n}`);
        rows.get(k)!.pub.push(pub);
        rows.get(k)!.read.push(read);
        const us = (s: number) => ((s * 1e6) / n).toFixed(1);
        console.log(
          `round ${r} K=${k}: publish ${(n / pub.wallS / 1000).toFixed(1)}k events/s, µs/event nats-server ${us(pub.natsCpuS)} publisher ${us(pub.selfCpuS)}` +
            ` | read ${(n / read.wallS / 1000).toFixed(1)}k events/s, µs/event nats-server ${us(read.natsCpuS)} reader ${us(read.selfCpuS)}`,
        );
        await jsm.streams.delete(names.rated.name);
        await jsm.streams.delete(names.notify.name);
      }
    }
    const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    const per = (phases: Phase[], f: (p: Phase) => number) => (med(phases.map(f)) * 1e6) / n;
    const base = rows.get(1)!;
    const total = (x: { pub: Phase[]; read: Phase[] }) =>
      per(x.pub, (p) => p.natsCpuS + p.selfCpuS) + per(x.read, (p) => p.natsCpuS + p.selfCpuS);
    console.log('\nmedians, CPU µs per event (ratio to K=1, same run):');
    console.log('| K | publish: nats-server | publisher | read: nats-server | reader | all | ratio |');
    for (const [k, x] of rows) {
      console.log(
        `| ${k} | ${per(x.pub, (p) => p.natsCpuS).toFixed(1)} | ${per(x.pub, (p) => p.selfCpuS).toFixed(1)} | ${per(x.read, (p) => p.natsCpuS).toFixed(1)} | ${per(x.read, (p) => p.selfCpuS).toFixed(1)} | ${total(x).toFixed(1)} | ${(total(x) / total(base)).toFixed(2)} |`,
      );
    }
  } finally {
    await drainNats(nc);
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
