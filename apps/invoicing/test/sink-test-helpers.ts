/**
 * Helpers of the sink's integration and end-to-end tests: a per-spec rated stream, a
 * deterministic scenario of events (with duplicates and invalid messages) and its expected
 * per-account totals, and readers of what ClickHouse holds.
 */
import { ClickHouseClient, DEAD_LETTERS_TABLE, queryUsage, RATED_EVENTS_TABLE, qualified, sql } from '@app/analytics';
import { DUPLICATE_WINDOW_MS, RATED_EVENT_TYPES, RatedEvent } from '@app/events';
import { headers, JetStreamClient, JetStreamManager, nanos, RetentionPolicy, StorageType } from 'nats';
import { ratedEvent } from '@app/events/testing';

export const PERIOD = { fromMs: Date.UTC(2026, 10, 1), toMs: Date.UTC(2026, 11, 1) };

export interface OutMessage {
  subject: string;
  data: Uint8Array;
  /** Nats-Msg-Id (JetStream de-duplicates on it); absent for re-publishes outside the window. */
  msgId?: string;
}

export interface Totals {
  events: bigint;
  amountMicros: bigint;
}

export interface Scenario {
  messages: OutMessage[];
  expected: Map<string, Totals>;
  distinctEvents: number;
  invalid: number;
}

export async function createRatedStream(jsm: JetStreamManager, name: string, subjectRoot: string): Promise<void> {
  await jsm.streams.add({
    name,
    subjects: [`${subjectRoot}.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
  });
}

/** A small deterministic generator (LCG), so a failing scenario can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function eventOf(root: string, i: number, accountId: string, r: () => number): RatedEvent {
  const type = RATED_EVENT_TYPES[Math.floor(r() * 4)];
  const big = i % 97 === 0 ? 9_007_199_254_740_993n : 0n; // beyond 2^53: exact only as bigint
  const amount = BigInt(Math.floor(r() * 5_000_000) + 1) + big;
  const occurredAtMs = PERIOD.fromMs + Math.floor(r() * (PERIOD.toMs - PERIOD.fromMs));
  const base = { accountId, occurredAtMs, ratingGroup: 10 + (i % 3), serviceId: 1 + (i % 2) };
  const seed = `${root}-${i}`;
  if (type === 'DEBIT') return ratedEvent(seed, { ...base, amountMicros: amount.toString() });
  if (type === 'REFUND') return ratedEvent(seed, { ...base, type, amountMicros: (-amount).toString() });
  if (type === 'TOPUP')
    return ratedEvent(seed, {
      ...base,
      type,
      unit: 'MONEY',
      subscriberId: '',
      usedUnits: 0,
      billableUnits: 0,
      amountMicros: (-amount).toString(),
    });
  return ratedEvent(seed, { ...base, type, amountMicros: '0', reason: 'TERMINATED' });
}

function invalidMessage(subjectRoot: string, k: number, r: () => number): OutMessage {
  const subject = `${subjectRoot}.acc-${k % 3}`;
  const good = ratedEvent(`invalid-${subjectRoot}-${k}`, { accountId: `acc-${k % 3}` });
  const kinds: Array<() => Uint8Array> = [
    () => Buffer.from('{"not": json'),
    () => Uint8Array.from([0xc3, 0x28, 0xff]),
    () => Buffer.from(JSON.stringify({ ...good, amountMicros: '-1' })),
    () => Buffer.from(JSON.stringify({ ...good, accountId: 'someone-else' })),
    () => Buffer.from(JSON.stringify({ ...good, occurredAtMs: Number.MAX_SAFE_INTEGER })),
  ];
  return { subject, data: kinds[Math.floor(r() * kinds.length)]() };
}

/** `distinct` events over `accounts` accounts, `duplicates` of them published twice, `invalid` bad messages in between. */
export function makeScenario(
  subjectRoot: string,
  opts: { distinct: number; accounts: number; duplicates: number; invalid: number; seed: number },
): Scenario {
  const r = rng(opts.seed);
  const events: OutMessage[] = [];
  const expected = new Map<string, Totals>();
  for (let i = 0; i < opts.distinct; i++) {
    const accountId = `acc-${i % opts.accounts}`;
    const e = eventOf(subjectRoot, i, accountId, r);
    events.push({ subject: `${subjectRoot}.${accountId}`, data: Buffer.from(JSON.stringify(e)), msgId: e.eventId });
    const t = expected.get(accountId) ?? { events: 0n, amountMicros: 0n };
    expected.set(accountId, { events: t.events + 1n, amountMicros: t.amountMicros + BigInt(e.amountMicros) });
  }
  const messages = [...events];
  for (let d = 0; d < opts.duplicates; d++) {
    const original = events[Math.floor(r() * events.length)];
    // A re-publish after the de-duplication window: same bytes, no Nats-Msg-Id, somewhere later.
    const at = Math.floor(r() * messages.length);
    messages.splice(at + 1, 0, { subject: original.subject, data: original.data });
  }
  for (let k = 0; k < opts.invalid; k++) messages.splice(Math.floor(r() * messages.length), 0, invalidMessage(subjectRoot, k, r));
  // A JetStream-level duplicate (same Nats-Msg-Id inside the window) that the stream itself drops.
  messages.push({ ...events[0] });
  return { messages, expected, distinctEvents: opts.distinct, invalid: opts.invalid };
}

/** Publishes in chunks, each chunk awaited, with an optional pause between chunks (events "flowing"). */
export async function publishAll(js: JetStreamClient, messages: readonly OutMessage[], chunk = 200, pauseMs = 0): Promise<void> {
  for (let i = 0; i < messages.length; i += chunk) {
    await Promise.all(
      messages.slice(i, i + chunk).map((m) => {
        if (!m.msgId) return js.publish(m.subject, m.data);
        const h = headers();
        h.set('Nats-Msg-Id', m.msgId);
        return js.publish(m.subject, m.data, { headers: h });
      }),
    );
    if (pauseMs > 0) await new Promise((res) => setTimeout(res, pauseMs));
  }
}

/** Per-account event count and amount, from the dedup-aware usage query over every type. */
export async function readTotals(client: ClickHouseClient, database: string, accountIds: readonly string[]): Promise<Map<string, Totals>> {
  const lines = await queryUsage(client, database, { accountIds, ...PERIOD, types: RATED_EVENT_TYPES });
  const totals = new Map<string, Totals>();
  for (const l of lines) {
    const t = totals.get(l.accountId) ?? { events: 0n, amountMicros: 0n };
    totals.set(l.accountId, { events: t.events + l.events, amountMicros: t.amountMicros + l.amountMicros });
  }
  return totals;
}

export interface Stored {
  rows: number;
  distinctEvents: number;
  deadLetters: number;
}

export async function readStored(client: ClickHouseClient, database: string): Promise<Stored> {
  const q = sql`SELECT toString(count()) AS rows, toString(uniqExact(eventId)) AS distinctEvents,
    toString((SELECT uniqExact(streamSeq) FROM ${qualified(database, DEAD_LETTERS_TABLE)})) AS deadLetters
    FROM ${qualified(database, RATED_EVENTS_TABLE)}`;
  const rs = await client.query({ query: q.text, format: 'JSONEachRow' });
  const [r] = await rs.json<Record<keyof Stored, string>>();
  return { rows: Number(r.rows), distinctEvents: Number(r.distinctEvents), deadLetters: Number(r.deadLetters) };
}

/** The one wait of the specs (libs/devstack). */
export { waitFor } from '@app/devstack';

export function totalsObject(m: Map<string, Totals>): Record<string, { events: string; amountMicros: string }> {
  return Object.fromEntries(
    [...m.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [k, { events: String(v.events), amountMicros: String(v.amountMicros) }]),
  );
}
