/**
 * The balance journal: reads the rated-event stream (JetStream RATEL_RATED) in order and keeps in
 * PostgreSQL what a rebuild needs to recreate an account Redis lost: balance, consumed allowance
 * units, tier counters, and which top-ups the journal holds (journal-fold.ts, journal-store.ts).
 *
 * Exactly once without acknowledgements: the stream position is stored in PostgreSQL and advanced
 * in the same transaction as the state; each batch locks it first and skips what is at or below it.
 * Reading is an ordered consumer (ephemeral, gap-free, in stream order) started after the stored
 * position, so a restart, a second instance or a rebuild catching up (`catchUp`) never applies an
 * event twice and never skips one. A sequence gap (events removed by the stream's max age before the
 * journal read them) is counted in `events_lost` and ratel_journal_events_total{outcome="lost"};
 * an event the journal cannot apply (it fails the schema, or a journal limit: an amount beyond the
 * engine's maximum) is parked in journal_parked_event with its reason, in the transaction that
 * moves the position past it (so it is parked once), counted in ratel_journal_parked_total{reason},
 * and the stream goes on. A transient failure (PostgreSQL away) is retried, never parked.
 *
 * One instance reads at a time: the reader holds a PostgreSQL advisory lock (session level); the
 * others retry every JOURNAL_LEADER_RETRY_MS. The lock only saves work: correctness is the row lock.
 */
import { DeliverPolicy, type JsMsg, type NatsConnection, NatsError } from 'nats';
import { DatabaseError, Pool, type PoolClient } from 'pg';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { type RatedEvent, validateRatedEvent } from '@app/events';
import type { Clock, Logger } from '@app/observability';
import { Waker } from '@app/runtime';
import { type AccountDelta, foldJournal, type JournalEntry } from './journal-fold';
import {
  advancePosition,
  consumedUnits,
  journalRestores,
  type JournalPosition,
  type JournalRestore,
  loadAccountStates,
  lockPosition,
  parkEvents,
  type ParkedEvent,
  readPosition,
  resetPosition,
  writeDeltas,
} from './journal-store';
import {
  JOURNAL_BATCH_MAX,
  JOURNAL_CATCH_UP_TIMEOUT_MS,
  JOURNAL_ERROR_BACKOFF_MS,
  JOURNAL_FETCH_EXPIRES_MS,
  JOURNAL_LEADER_RETRY_MS,
  JOURNAL_LOCK_NAMESPACE,
  JOURNAL_POOL_MAX,
} from './journal-limits';

/** An event of a batch with its message (parked with its raw payload if it cannot be applied). */
type Entry = JournalEntry & { msg: JsMsg };

/** JetStream API error code: stream not found. */
const JS_STREAM_NOT_FOUND = 10059;

export interface BalanceJournalOptions {
  nc?: NatsConnection;
  databaseUrl: string;
  /** The rated-event stream (streamNamesFor(prefix).rated.name). */
  stream: string;
  registry: Registry;
  logger: Logger;
  clock: Clock;
  batchMax?: number;
  fetchExpiresMs?: number;
}

export interface CatchUpReport {
  /** The stream's last sequence when the catch-up started (0: empty or missing stream). */
  streamLastSeq: number;
  position: JournalPosition;
}

interface JournalMetrics {
  events: Counter<'outcome'>;
  parked: Counter<'reason'>;
  resets: Counter;
  mismatches: Counter;
  position: Gauge;
  lag: Gauge;
  leader: Gauge;
  batchSeconds: Histogram;
}

function metric<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

function journalMetrics(registry: Registry): JournalMetrics {
  const registers = [registry];
  return {
    events: metric(
      registry,
      'ratel_journal_events_total',
      () =>
        new Counter({
          name: 'ratel_journal_events_total',
          help: 'Rated events the balance journal handled: applied, invalid (schema; parked), parked (a journal limit) or lost (removed from the stream unread)',
          labelNames: ['outcome'],
          registers,
        }),
    ),
    parked: metric(
      registry,
      'ratel_journal_parked_total',
      () =>
        new Counter({
          name: 'ratel_journal_parked_total',
          help: 'Rated events the balance journal cannot apply, parked in journal_parked_event, by reason',
          labelNames: ['reason'],
          registers,
        }),
    ),
    resets: metric(
      registry,
      'ratel_journal_stream_resets_total',
      () =>
        new Counter({
          name: 'ratel_journal_stream_resets_total',
          help: 'Times the rated-event stream was found created anew and read again from sequence 1',
          registers,
        }),
    ),
    mismatches: metric(
      registry,
      'ratel_journal_balance_mismatches_total',
      () =>
        new Counter({
          name: 'ratel_journal_balance_mismatches_total',
          help: 'Events whose balanceAfterMicros differs from the journal balance (a lost or reordered event)',
          registers,
        }),
    ),
    position: metric(
      registry,
      'ratel_journal_position',
      () => new Gauge({ name: 'ratel_journal_position', help: 'Stream sequence the balance journal has applied up to', registers }),
    ),
    lag: metric(
      registry,
      'ratel_journal_lag_events',
      () =>
        new Gauge({
          name: 'ratel_journal_lag_events',
          help: 'Rated events in the stream after the journal position (at the last batch)',
          registers,
        }),
    ),
    leader: metric(
      registry,
      'ratel_journal_leader',
      () => new Gauge({ name: 'ratel_journal_leader', help: '1 while this process is the one reading the journal', registers }),
    ),
    batchSeconds: metric(
      registry,
      'ratel_journal_batch_seconds',
      () =>
        new Histogram({
          name: 'ratel_journal_batch_seconds',
          help: 'Time to apply one batch in PostgreSQL',
          buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
          registers,
        }),
    ),
  };
}

export class BalanceJournal {
  private readonly pool: Pool;
  /**
   * On a registry of its own until the journal is first read in this process (start() or a
   * catch-up), then on the process's: a process that never reads it (a gateway pod with
   * RATEL_JOURNAL_ENABLED=false that ran no rebuild) exports no journal gauges stuck at 0 beside
   * the reader's real ones.
   */
  private metrics: JournalMetrics;
  private metricsExported = false;
  private readonly batchMax: number;
  private readonly fetchExpiresMs: number;
  private active = false;
  private loop?: Promise<void>;
  /** Cuts the retry sleep short on stop(). */
  private readonly waker = new Waker();

  constructor(private readonly opts: BalanceJournalOptions) {
    this.pool = new Pool({ connectionString: opts.databaseUrl, max: JOURNAL_POOL_MAX });
    // An idle client that loses its connection must not crash the process; the next query reconnects.
    this.pool.on('error', (err) => opts.logger.warn({ err }, 'balance journal: idle PostgreSQL connection failed'));
    this.metrics = journalMetrics(new Registry());
    this.batchMax = opts.batchMax ?? JOURNAL_BATCH_MAX;
    this.fetchExpiresMs = opts.fetchExpiresMs ?? JOURNAL_FETCH_EXPIRES_MS;
  }

  /** Starts reading in the background (as leader when it gets the lock). */
  start(): void {
    if (this.active) return;
    if (!this.opts.nc) throw new Error('balance journal: start() needs a NATS connection');
    this.exportMetrics();
    this.active = true;
    this.loop = this.run();
  }

  private exportMetrics(): void {
    if (this.metricsExported) return;
    this.metrics = journalMetrics(this.opts.registry);
    this.metricsExported = true;
  }

  /** Stops after the batch in progress and closes the pool. */
  async stop(): Promise<void> {
    this.active = false;
    this.waker.wake();
    await this.loop;
    await this.pool.end();
  }

  async position(): Promise<JournalPosition> {
    const client = await this.pool.connect();
    try {
      return await readPosition(client, this.opts.stream);
    } finally {
      client.release();
    }
  }

  /** Journal state of accounts, for the rebuild. */
  restores(accountIds: readonly string[]): Promise<Map<string, JournalRestore>> {
    return journalRestores(this.pool, accountIds);
  }

  /** Consumed units by `<accountId>|<bucketId>`, for the rebuild. */
  consumed(accountIds: readonly string[]): Promise<Map<string, number>> {
    return consumedUnits(this.pool, accountIds);
  }

  /**
   * Applies everything the stream holds now (up to its last sequence at the call), whoever else is
   * applying at the same time; the rebuild calls it first, so it restores from a complete journal.
   */
  async catchUp(timeoutMs = JOURNAL_CATCH_UP_TIMEOUT_MS): Promise<CatchUpReport> {
    this.exportMetrics();
    const info = await this.streamInfo();
    const deadline = this.opts.clock.nowMs() + timeoutMs;
    const client = await this.pool.connect();
    try {
      if (info === undefined) return { streamLastSeq: 0, position: await readPosition(client, this.opts.stream) };
      await this.adoptStream(client, info.created);
      let position = await readPosition(client, this.opts.stream);
      if (info.lastSeq > position.lastSeq) {
        await this.drain(client, info.created, () => this.opts.clock.nowMs() < deadline, info.lastSeq);
        position = await readPosition(client, this.opts.stream);
        if (position.lastSeq < info.lastSeq) {
          throw new Error(`balance journal: catch-up stopped at sequence ${position.lastSeq} of ${info.lastSeq} after ${timeoutMs} ms`);
        }
      }
      return { streamLastSeq: info.lastSeq, position };
    } finally {
      client.release();
    }
  }

  /** The stream's creation time and last sequence; undefined when it does not exist (yet). */
  private async streamInfo(): Promise<{ created: string; lastSeq: number } | undefined> {
    if (!this.opts.nc) throw new Error('balance journal: reading the stream needs a NATS connection');
    const jsm = await this.opts.nc.jetstreamManager();
    try {
      const info = await jsm.streams.info(this.opts.stream);
      return { created: info.created, lastSeq: info.state.last_seq };
    } catch (err) {
      if (isStreamNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * When the stream was created anew since the journal last applied from it (its sequences started
   * again at 1), starts over at 1: the new stream's events are applied on top of what the journal
   * holds; what the old stream held and the journal had not read yet is gone with it.
   */
  private async adoptStream(client: PoolClient, created: string): Promise<void> {
    await client.query('begin');
    try {
      const pos = await lockPosition(client, this.opts.stream);
      if (pos.streamCreated !== null && pos.streamCreated !== created) {
        await resetPosition(client, this.opts.stream, created);
        this.metrics.resets.inc();
        this.opts.logger.error(
          { stream: this.opts.stream, followed: pos.streamCreated, found: created, position: pos.lastSeq },
          'balance journal: the stream was created anew; reading it from sequence 1 (events the old stream held after the position are lost)',
        );
      }
      await client.query('commit');
    } catch (err) {
      await client.query('rollback').catch(() => undefined);
      throw err;
    }
  }

  private async run(): Promise<void> {
    while (this.active) {
      let client: PoolClient | undefined;
      try {
        client = await this.pool.connect();
        const locked = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1, hashtext($2)) as ok', [
          JOURNAL_LOCK_NAMESPACE,
          this.opts.stream,
        ]);
        if (!locked.rows[0].ok) {
          client.release();
          client = undefined;
          await this.sleep(JOURNAL_LEADER_RETRY_MS);
          continue;
        }
        this.metrics.leader.set(1);
        const info = await this.streamInfo();
        if (info === undefined) throw new NatsError('stream not found', 'stream not found');
        await this.adoptStream(client, info.created);
        await this.drain(client, info.created, () => this.active);
      } catch (err) {
        if (isStreamNotFound(err)) {
          // A fresh system: the relay creates the stream with its first batch.
          this.opts.logger.info({ stream: this.opts.stream }, 'balance journal: waiting for the stream to exist');
          await this.sleep(JOURNAL_LEADER_RETRY_MS);
          continue;
        }
        this.opts.logger.error({ err, stream: this.opts.stream }, 'balance journal: reading failed; retrying');
        await this.sleep(JOURNAL_ERROR_BACKOFF_MS);
      } finally {
        this.metrics.leader.set(0);
        // Releasing with an error destroys the connection, and with it the session's advisory lock.
        client?.release(true);
      }
    }
  }

  /**
   * Reads from the stored position on, batch by batch, while `go()` and until `untilSeq` (if given),
   * from the stream incarnation created at `created` (the caller adopted it: adoptStream).
   */
  private async drain(client: PoolClient, created: string, go: () => boolean, untilSeq?: number): Promise<void> {
    const start = await readPosition(client, this.opts.stream);
    const js = this.opts.nc!.jetstream();
    const consumer = await js.consumers.get(this.opts.stream, {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: start.lastSeq + 1,
    });
    try {
      let last = start.lastSeq;
      while (go() && (untilSeq === undefined || last < untilSeq)) {
        const msgs: JsMsg[] = [];
        for await (const m of await consumer.fetch({ max_messages: this.batchMax, expires: this.fetchExpiresMs })) msgs.push(m);
        if (msgs.length === 0) continue;
        last = msgs[msgs.length - 1].seq;
        await this.applyOn(client, msgs, created);
        this.metrics.lag.set(msgs[msgs.length - 1].info.pending);
      }
    } finally {
      await consumer.delete().catch(() => undefined);
    }
  }

  /**
   * Applies messages of the stream (a redelivery included: what is at or below the position is
   * skipped) in one transaction; what `drain` does with each batch.
   */
  async applyMessages(msgs: readonly JsMsg[]): Promise<void> {
    const info = await this.streamInfo();
    if (info === undefined) throw new Error(`balance journal: stream ${this.opts.stream} not found`);
    const client = await this.pool.connect();
    try {
      await this.applyOn(client, msgs, info.created);
    } finally {
      client.release();
    }
  }

  /**
   * One transaction: lock the position, apply the events after it, advance it. When the batch fails
   * for good (a journal limit: PostgreSQL data or constraint error, or an event the fold refuses),
   * it is applied again event by event (a savepoint each), parking those that fail for good; a
   * transient failure (PostgreSQL away, a serialisation conflict) propagates and the batch is read
   * again after JOURNAL_ERROR_BACKOFF_MS.
   */
  private async applyOn(client: PoolClient, msgs: readonly JsMsg[], streamCreated: string): Promise<void> {
    const timer = this.metrics.batchSeconds.startTimer();
    try {
      await this.applyBatch(client, msgs, streamCreated, false);
    } catch (err) {
      if (parkReason(err) === undefined) throw err;
      this.opts.logger.warn({ err, stream: this.opts.stream }, 'balance journal: a batch failed for good; applying it event by event');
      await this.applyBatch(client, msgs, streamCreated, true);
    } finally {
      timer();
    }
  }

  private async applyBatch(client: PoolClient, msgs: readonly JsMsg[], streamCreated: string, oneByOne: boolean): Promise<void> {
    await client.query('begin');
    try {
      const pos = await lockPosition(client, this.opts.stream);
      // Read from another incarnation of the stream than the position counts in: drop the batch, read again.
      if (pos.streamCreated !== null && pos.streamCreated !== streamCreated)
        throw new Error('balance journal: the stream changed under the batch; reading again');
      const fresh = msgs.filter((m) => m.seq > pos.lastSeq);
      if (fresh.length === 0) {
        await client.query('commit');
        return;
      }
      let prev = pos.lastSeq;
      let lost = 0;
      const entries: Entry[] = [];
      const parked: ParkedEvent[] = [];
      for (const m of fresh) {
        lost += m.seq - prev - 1;
        prev = m.seq;
        const v = parse(m);
        if (v.ok) entries.push({ seq: m.seq, event: v.value, msg: m });
        else parked.push(parkedEvent(m, 'invalid_schema', v.issues.map((i) => `${i.path}: ${i.message}`).join('; ')));
      }
      const invalid = parked.length;
      const deltas = oneByOne ? await this.applyEach(client, entries, parked) : await applyEntries(client, entries);
      const applied = oneByOne ? entries.length - (parked.length - invalid) : entries.length;
      await parkEvents(client, this.opts.stream, streamCreated, parked, new Date(this.opts.clock.nowMs()));
      await advancePosition(client, this.opts.stream, prev, { applied, invalid, lost, parked: parked.length }, streamCreated);
      await client.query('commit');
      this.afterBatch({ applied, invalid, lost, parked, deltas, firstSeq: fresh[0].seq, position: prev });
    } catch (err) {
      await client.query('rollback').catch(() => undefined);
      throw err;
    }
  }

  /** Inside the batch's transaction: each entry under a savepoint; those failing for good go to `parked`. */
  private async applyEach(client: PoolClient, entries: readonly Entry[], parked: ParkedEvent[]): Promise<AccountDelta[]> {
    const deltas: AccountDelta[] = [];
    for (const e of entries) {
      await client.query('savepoint journal_event');
      try {
        deltas.push(...(await applyEntries(client, [e])));
        await client.query('release savepoint journal_event');
      } catch (err) {
        const reason = parkReason(err);
        if (reason === undefined) throw err;
        await client.query('rollback to savepoint journal_event');
        parked.push(parkedEvent(e.msg, reason, err instanceof Error ? err.message : String(err), e.event));
      }
    }
    return deltas;
  }

  private afterBatch(b: {
    applied: number;
    invalid: number;
    lost: number;
    parked: ParkedEvent[];
    deltas: AccountDelta[];
    firstSeq: number;
    position: number;
  }): void {
    this.metrics.events.inc({ outcome: 'applied' }, b.applied);
    if (b.invalid > 0) this.metrics.events.inc({ outcome: 'invalid' }, b.invalid);
    if (b.parked.length > b.invalid) this.metrics.events.inc({ outcome: 'parked' }, b.parked.length - b.invalid);
    for (const p of b.parked) {
      this.metrics.parked.inc({ reason: p.reason });
      this.opts.logger.error(
        {
          stream: this.opts.stream,
          seq: p.seq,
          subject: p.subject,
          accountId: p.accountId,
          eventId: p.eventId,
          reason: p.reason,
          detail: p.detail,
        },
        'balance journal: parked an event it cannot apply (journal_parked_event); the stream goes on',
      );
    }
    if (b.lost > 0) {
      this.metrics.events.inc({ outcome: 'lost' }, b.lost);
      this.opts.logger.error(
        { stream: this.opts.stream, lost: b.lost, before: b.firstSeq },
        'balance journal: events were removed from the stream before the journal read them; rebuilt balances miss them',
      );
    }
    const mismatches = b.deltas.reduce((s, d) => s + d.balanceMismatches, 0);
    if (mismatches > 0) this.metrics.mismatches.inc(mismatches);
    this.metrics.position.set(b.position);
  }

  private sleep(ms: number): Promise<void> {
    return this.waker.sleep(ms);
  }
}

function isStreamNotFound(err: unknown): boolean {
  return (
    (err instanceof NatsError && err.api_error?.err_code === JS_STREAM_NOT_FOUND) ||
    (err instanceof Error && err.message === 'stream not found')
  );
}

/** Loads the touched accounts, folds the entries and writes the result (in the caller's transaction). */
async function applyEntries(client: PoolClient, entries: readonly JournalEntry[]): Promise<AccountDelta[]> {
  const states = await loadAccountStates(client, [...new Set(entries.map((e) => e.event.accountId))]);
  let folded: Map<string, AccountDelta>;
  try {
    folded = foldJournal(states, entries);
  } catch (err) {
    throw new UnappliableEvent(`the journal cannot fold it: ${err instanceof Error ? err.message : String(err)}`);
  }
  const deltas = [...folded.values()];
  await writeDeltas(client, deltas);
  return deltas;
}

/** An event the fold refuses: permanent, parked. */
class UnappliableEvent extends Error {}

/**
 * Why an error means the event can never be applied (park it), or undefined when it may pass on
 * a retry (connection lost, server shutting down, serialisation failure, lock timeout: retry).
 * PostgreSQL SQLSTATE class 22 (data exception) and 23 (integrity constraint violation) are the
 * journal's limits refusing the values; the same event would fail the same way every time.
 */
export function parkReason(err: unknown): JournalParkReason | undefined {
  if (err instanceof UnappliableEvent) return 'unfoldable';
  const code = err instanceof DatabaseError ? err.code : undefined;
  if (code === undefined) return undefined;
  if (code === '22003') return 'out_of_range';
  if (code.startsWith('22')) return 'invalid_data';
  if (code.startsWith('23')) return 'constraint';
  return undefined;
}

export type JournalParkReason = 'invalid_schema' | 'out_of_range' | 'invalid_data' | 'constraint' | 'unfoldable';

/** Longest subject, account id and event id stored with a parked event (the table's column widths). */
const PARKED_SUBJECT_MAX_LENGTH = 255;
const PARKED_ID_MAX_LENGTH = 64;

function parkedEvent(m: JsMsg, reason: JournalParkReason, detail: string, event?: RatedEvent): ParkedEvent {
  const id = (v: unknown) => (typeof v === 'string' && v.length <= PARKED_ID_MAX_LENGTH ? v : null);
  return {
    seq: m.seq,
    accountId: id(event?.accountId),
    eventId: id(event?.eventId),
    subject: m.subject.slice(0, PARKED_SUBJECT_MAX_LENGTH),
    reason,
    detail,
    payload: m.data,
  };
}

function parse(m: JsMsg): ReturnType<typeof validateRatedEvent> {
  try {
    return validateRatedEvent(JSON.parse(m.string()));
  } catch (err) {
    return { ok: false, issues: [{ path: '', message: `not JSON: ${err instanceof Error ? err.message : String(err)}` }] };
  }
}
