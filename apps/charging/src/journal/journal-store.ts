/**
 * The balance journal's PostgreSQL side (tables of Migration20261122000000_balance_journal): its
 * stream position, locked and advanced in the same transaction as the state it covers, and the
 * per-account state the fold reads and writes. Every statement is parameterised; arrays go through
 * `unnest`, one statement per table per batch.
 */
import type { ClientBase } from 'pg';
import type { AccountDelta, AccountJournalState } from './journal-fold';

export interface JournalPosition {
  lastSeq: number;
  eventsApplied: number;
  eventsInvalid: number;
  eventsLost: number;
  /** Creation time of the stream incarnation `lastSeq` counts in (null before the first event). */
  streamCreated: string | null;
  /** How often the stream was found created anew, and reading started over at its sequence 1. */
  streamResets: number;
  /** Events parked in journal_parked_event (not applicable; the stream went on). */
  eventsParked: number;
}

interface PositionRow {
  last_seq: string;
  events_applied: string;
  events_invalid: string;
  events_lost: string;
  stream_created: string | null;
  stream_resets: string;
  events_parked: string;
}

function toPosition(r: PositionRow | undefined): JournalPosition {
  if (r === undefined)
    return { lastSeq: 0, eventsApplied: 0, eventsInvalid: 0, eventsLost: 0, streamCreated: null, streamResets: 0, eventsParked: 0 };
  return {
    lastSeq: Number(r.last_seq),
    eventsApplied: Number(r.events_applied),
    eventsInvalid: Number(r.events_invalid),
    eventsLost: Number(r.events_lost),
    streamCreated: r.stream_created,
    streamResets: Number(r.stream_resets),
    eventsParked: Number(r.events_parked),
  };
}

const POSITION_COLUMNS = 'last_seq, events_applied, events_invalid, events_lost, stream_created, stream_resets, events_parked';

/** The position without a lock (where a consumer starts reading). */
export async function readPosition(db: ClientBase, stream: string): Promise<JournalPosition> {
  const r = await db.query<PositionRow>(`select ${POSITION_COLUMNS} from journal_position where stream = $1`, [stream]);
  return toPosition(r.rows[0]);
}

/**
 * Inside a transaction: the position, row-locked until commit, so two appliers (the app's journal
 * and a rebuild catching up) serialise and each event is applied once.
 */
export async function lockPosition(db: ClientBase, stream: string): Promise<JournalPosition> {
  await db.query('insert into journal_position (stream, last_seq, updated_at) values ($1, 0, now()) on conflict (stream) do nothing', [
    stream,
  ]);
  const r = await db.query<PositionRow>(`select ${POSITION_COLUMNS} from journal_position where stream = $1 for update`, [stream]);
  return toPosition(r.rows[0]);
}

/** What one batch did, for advancePosition. */
export interface BatchCounts {
  applied: number;
  /** Failed the schema (also parked). */
  invalid: number;
  lost: number;
  /** Parked, the invalid ones included. */
  parked: number;
}

export async function advancePosition(
  db: ClientBase,
  stream: string,
  lastSeq: number,
  n: BatchCounts,
  streamCreated: string,
): Promise<void> {
  await db.query(
    `update journal_position set last_seq = $2, events_applied = events_applied + $3, events_invalid = events_invalid + $4,
            events_lost = events_lost + $5, stream_created = $6, events_parked = events_parked + $7, updated_at = now() where stream = $1`,
    [stream, lastSeq, n.applied, n.invalid, n.lost, streamCreated, n.parked],
  );
}

/** An event the journal cannot apply, as journal_parked_event keeps it. */
export interface ParkedEvent {
  seq: number;
  accountId: string | null;
  eventId: string | null;
  subject: string;
  /** A short code, also the `reason` label of ratel_journal_parked_total (JournalParkReason). */
  reason: string;
  detail: string;
  payload: Uint8Array;
}

/**
 * Inside the transaction that moves the position past them: parks events, once per stream
 * incarnation and sequence (a redelivery finds the row and adds nothing).
 */
export async function parkEvents(
  db: ClientBase,
  stream: string,
  streamCreated: string,
  parked: readonly ParkedEvent[],
  at: Date,
): Promise<void> {
  if (parked.length === 0) return;
  await db.query(
    `insert into journal_parked_event (stream, stream_created, stream_seq, account_id, event_id, subject, reason, detail, payload, parked_at)
     select $1, $2, u.seq, u.acct, u.eid, u.subj, u.reason, u.detail, decode(u.payload, 'base64'), $3
       from unnest($4::bigint[], $5::varchar[], $6::varchar[], $7::varchar[], $8::varchar[], $9::text[], $10::text[])
         as u(seq, acct, eid, subj, reason, detail, payload)
     on conflict (stream, stream_created, stream_seq) do nothing`,
    [
      stream,
      streamCreated,
      at.toISOString(),
      parked.map((p) => p.seq),
      parked.map((p) => p.accountId),
      parked.map((p) => p.eventId),
      parked.map((p) => p.subject),
      parked.map((p) => p.reason),
      parked.map((p) => p.detail),
      parked.map((p) => Buffer.from(p.payload).toString('base64')),
    ],
  );
}

/** Inside a transaction holding the position lock: start over at sequence 1 of a stream created anew. */
export async function resetPosition(db: ClientBase, stream: string, streamCreated: string): Promise<void> {
  await db.query(
    'update journal_position set last_seq = 0, stream_created = $2, stream_resets = stream_resets + 1, updated_at = now() where stream = $1',
    [stream, streamCreated],
  );
}

/** The journal state of the given accounts (absent: the journal has not seen the account). */
export async function loadAccountStates(db: ClientBase, accountIds: readonly string[]): Promise<Map<string, AccountJournalState>> {
  const out = new Map<string, AccountJournalState>();
  if (accountIds.length === 0) return out;
  const accounts = await db.query<{ account_id: string; balance_micros: string; cycle_id: string }>(
    'select account_id, balance_micros, cycle_id from account_journal where account_id = any($1::varchar[])',
    [accountIds],
  );
  for (const r of accounts.rows)
    out.set(r.account_id, { balanceMicros: BigInt(r.balance_micros), cycleId: r.cycle_id, cycleUnits: new Map() });
  const cycles = await db.query<{ account_id: string; rating_group: string; units: string }>(
    `select c.account_id, c.rating_group, c.units from cycle_journal c join account_journal a on a.account_id = c.account_id and a.cycle_id = c.cycle_id
      where c.account_id = any($1::varchar[])`,
    [accountIds],
  );
  for (const r of cycles.rows) out.get(r.account_id)?.cycleUnits.set(Number(r.rating_group), Number(r.units));
  return out;
}

/** Writes the batch's effect: account states, tier counters, consumed units, journaled top-ups. */
export async function writeDeltas(db: ClientBase, deltas: readonly AccountDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  await db.query(
    `insert into account_journal (account_id, balance_micros, cycle_id, last_seq, last_event_at, updated_at)
     select u.a, u.b, u.c, u.s, u.t, now() from unnest($1::varchar[], $2::bigint[], $3::varchar[], $4::bigint[], $5::timestamptz[]) as u(a, b, c, s, t)
     on conflict (account_id) do update set balance_micros = excluded.balance_micros, cycle_id = excluded.cycle_id, last_seq = excluded.last_seq,
       last_event_at = greatest(account_journal.last_event_at, excluded.last_event_at), updated_at = excluded.updated_at`,
    [
      deltas.map((d) => d.accountId),
      deltas.map((d) => d.state.balanceMicros.toString()),
      deltas.map((d) => d.state.cycleId),
      deltas.map((d) => d.lastSeq),
      deltas.map((d) => new Date(d.lastEventAtMs).toISOString()),
    ],
  );

  // Tier counters: a new cycle drops the account's older ones; the touched counters are written whole.
  const changed = deltas.filter((d) => d.cycleChanged).map((d) => d.accountId);
  if (changed.length > 0) await db.query('delete from cycle_journal where account_id = any($1::varchar[])', [changed]);
  const counters = deltas.flatMap((d) =>
    [...d.cycleTouched].map((rg) => ({ a: d.accountId, c: d.state.cycleId, rg, n: d.state.cycleUnits.get(rg) ?? 0 })),
  );
  if (counters.length > 0) {
    await db.query(
      `insert into cycle_journal (account_id, cycle_id, rating_group, units)
       select * from unnest($1::varchar[], $2::varchar[], $3::bigint[], $4::bigint[])
       on conflict (account_id, cycle_id, rating_group) do update set units = excluded.units`,
      [counters.map((x) => x.a), counters.map((x) => x.c), counters.map((x) => x.rg), counters.map((x) => x.n)],
    );
  }

  const buckets = deltas.flatMap((d) => [...d.bucketConsumed].filter(([, n]) => n !== 0).map(([b, n]) => ({ a: d.accountId, b, n })));
  if (buckets.length > 0) {
    await db.query(
      `insert into bucket_journal (account_id, bucket_id, consumed_units)
       select * from unnest($1::varchar[], $2::varchar[], $3::bigint[])
       on conflict (account_id, bucket_id) do update set consumed_units = bucket_journal.consumed_units + excluded.consumed_units`,
      [buckets.map((x) => x.a), buckets.map((x) => x.b), buckets.map((x) => x.n)],
    );
  }

  // An account (re)created at an opening balance: the confirmed top-ups that balance included are
  // journaled from now on (so a later rebuild does not add them a second time).
  const opened = deltas.filter((d) => d.opened).map((d) => d.accountId);
  if (opened.length > 0) {
    await db.query(
      'update top_up set journaled_at = now() where account_id = any($1::varchar[]) and projected_at is not null and journaled_at is null',
      [opened],
    );
  }
  // A top-up whose TOPUP event is here was credited: journaled, and confirmed if its confirmation was lost.
  const topUps = deltas.flatMap((d) => d.topUpKeys.map((k) => ({ a: d.accountId, k })));
  if (topUps.length > 0) {
    await db.query(
      `update top_up t set journaled_at = coalesce(t.journaled_at, now()), projected_at = coalesce(t.projected_at, now())
         from unnest($1::varchar[], $2::varchar[]) as u(a, k) where t.account_id = u.a and t.idempotency_key = u.k`,
      [topUps.map((x) => x.a), topUps.map((x) => x.k)],
    );
  }
}

/** What a rebuild restores of an account from the journal. */
export interface JournalRestore {
  balanceMicros: bigint;
  cycle?: { cycleId: string; units: Array<{ ratingGroup: number; units: number }> };
}

/**
 * The journal's view of the given accounts, for the rebuild: balance plus the confirmed top-ups
 * the journal does not hold (credited, but their events were lost with Redis), and the counters
 * of the current cycle. Accounts the journal has not seen are absent (the ledger is their opening).
 */
export async function journalRestores(db: Queryable, accountIds: readonly string[]): Promise<Map<string, JournalRestore>> {
  const out = new Map<string, JournalRestore>();
  if (accountIds.length === 0) return out;
  const rows = await db.query<{ account_id: string; balance: string; cycle_id: string }>(
    `select a.account_id, (a.balance_micros + coalesce((select sum(t.amount_micros) from top_up t
            where t.account_id = a.account_id and t.projected_at is not null and t.journaled_at is null), 0))::text as balance, a.cycle_id
       from account_journal a where a.account_id = any($1::varchar[])`,
    [accountIds],
  );
  for (const r of rows.rows)
    out.set(r.account_id, { balanceMicros: BigInt(r.balance), ...(r.cycle_id ? { cycle: { cycleId: r.cycle_id, units: [] } } : {}) });
  const cycles = await db.query<{ account_id: string; rating_group: string; units: string }>(
    `select c.account_id, c.rating_group, c.units from cycle_journal c join account_journal a on a.account_id = c.account_id and a.cycle_id = c.cycle_id
      where c.account_id = any($1::varchar[]) order by c.account_id, c.rating_group`,
    [accountIds],
  );
  for (const r of cycles.rows) out.get(r.account_id)?.cycle?.units.push({ ratingGroup: Number(r.rating_group), units: Number(r.units) });
  return out;
}

/** Units consumed per bucket id of the given accounts (grants the journal has not seen: absent). */
export async function consumedUnits(db: Queryable, accountIds: readonly string[]): Promise<Map<string, number>> {
  if (accountIds.length === 0) return new Map();
  const r = await db.query<{ account_id: string; bucket_id: string; consumed_units: string }>(
    'select account_id, bucket_id, consumed_units from bucket_journal where account_id = any($1::varchar[])',
    [accountIds],
  );
  return new Map(r.rows.map((x) => [`${x.account_id}|${x.bucket_id}`, Number(x.consumed_units)]));
}

/** The part of pg's client the read functions use (a Client, a Pool, or an adapter). */
export interface Queryable {
  query<R extends object>(sql: string, params: unknown[]): Promise<{ rows: R[] }>;
}
