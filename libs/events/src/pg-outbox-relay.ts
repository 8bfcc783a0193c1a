/**
 * The relay of a PostgreSQL outbox to JetStream: the events an app writes in the same transaction
 * as the change they describe (a document issued, a payment allocated) are published from here, in
 * the order they were written, each once.
 *
 * The outbox table (one per owning app: billing_outbox, later collections_outbox) has at least:
 *
 *   id            bigserial primary key   the write order
 *   event_id      text not null unique    the event's identity: the JetStream message id (Nats-Msg-Id)
 *   subject       text                    e.g. ratel.billing.v1.issued.<account>
 *   payload       jsonb                   the event, published as its JSON text
 *   events        json                    or, instead of subject and payload, several events in order:
 *                                         [{eventId, subject, payload}] (a batch row: its event_id is
 *                                         its first event's; Migration20261205004600), or payments
 *                                         received in their compact form (Migration20261206005100);
 *                                         the SQL function outbox_events expands either
 *   created_at    timestamptz not null    when it was written (the age of the oldest pending row)
 *   published_at  timestamptz null        set once JetStream has acknowledged it (all its events)
 *
 * In order: rows are published one at a time, each after the previous one's ack, so a failed
 * publish holds back the rows after it. A few thousand a second on loopback: enough for billing
 * documents (the relay catches up after a month-end finalize), not a hot path.
 *
 * Exactly once, as far as a consumer can tell: a row is marked published only after its PubAck; a
 * relay killed between the ack and the mark publishes the row again, and JetStream drops the repeat
 * within its duplicate window (Nats-Msg-Id). Consumers also key on event_id, for repeats older
 * than that window. One relay reads a table at a time (a session advisory lock, like the balance
 * journal), so the publish order is the write order.
 */
import type { NatsConnection } from 'nats';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from '@app/observability';
import { Waker } from '@app/runtime';
import { PubAckChannel } from './pub-ack-channel';

/** Rows read and published per round. */
export const OUTBOX_BATCH_MAX = 500;
/** Wait between rounds when the outbox is empty (or after a failed round). */
export const OUTBOX_IDLE_POLL_MS = 200;
/** A publish without its ack after this long counts as failed; the row is published again next round. */
export const OUTBOX_ACK_TIMEOUT_MS = 5_000;
/** First key of the relay's advisory lock (the second is hashtext(table name)). */
export const OUTBOX_LOCK_KEY = 0x0b0c;

const TABLE_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PgOutboxRelayOptions {
  pool: Pool;
  nats: NatsConnection;
  /** The outbox table; a plain lower-case identifier. */
  table: string;
  logger: Logger;
  nowMs(): number;
  batchMax?: number;
  idlePollMs?: number;
}

export interface OutboxStats {
  published: number;
  /** Publishes refused or not acknowledged (each retried in a later round). */
  failed: number;
  /** Rows not yet published, and the age of the oldest, as of the last round. */
  pending: number;
  oldestPendingAgeMs: number;
}

export class PgOutboxRelay {
  private readonly channel: PubAckChannel;
  private readonly stats: OutboxStats = { published: 0, failed: 0, pending: 0, oldestPendingAgeMs: 0 };
  private stopping = false;
  private readonly waker = new Waker();
  private loop?: Promise<void>;

  constructor(private readonly o: PgOutboxRelayOptions) {
    if (!TABLE_PATTERN.test(o.table)) throw new Error(`outbox table: not a plain identifier: ${o.table}`);
    this.channel = new PubAckChannel(o.nats, { inflightMax: 1, ackTimeoutMs: OUTBOX_ACK_TIMEOUT_MS });
  }

  get snapshot(): Readonly<OutboxStats> {
    return { ...this.stats };
  }

  /** Starts the loop: waits for the table's lock, then publishes until stop(). */
  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.waker.wake();
    await this.loop;
    this.channel.close();
  }

  /** Runs rounds until the outbox is empty; resolves to the rows published (a batch row counts once). For tests and one-shot CLIs (holds no lock). */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.round(this.o.pool);
      total += n;
      if (n === 0) return total;
    }
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let client: PoolClient | undefined;
      try {
        client = await this.o.pool.connect();
        const { rows } = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1, hashtext($2)) as ok', [
          OUTBOX_LOCK_KEY,
          this.o.table,
        ]);
        if (!rows[0].ok) {
          client.release();
          client = undefined;
          await this.idle();
          continue;
        }
        this.o.logger.info({ table: this.o.table }, 'outbox relay: publishing');
        while (!this.stopping) {
          const n = await this.round(client);
          if (n < (this.o.batchMax ?? OUTBOX_BATCH_MAX)) await this.idle();
        }
        await client.query('select pg_advisory_unlock($1, hashtext($2))', [OUTBOX_LOCK_KEY, this.o.table]);
        client.release();
        client = undefined;
      } catch (err) {
        this.o.logger.warn({ table: this.o.table, err: String(err) }, 'outbox relay: round failed; retrying');
        // A broken session loses its advisory lock with it.
        client?.release(err instanceof Error ? err : new Error(String(err)));
        client = undefined;
        await this.idle();
      }
    }
  }

  /**
   * One round: publishes the events of the oldest unpublished rows (a batch row's one by one, in order) and
   * marks the rows all of whose events JetStream acknowledged. Resolves to the rows read.
   */
  private async round(db: Pool | PoolClient): Promise<number> {
    const batchMax = this.o.batchMax ?? OUTBOX_BATCH_MAX;
    // A batch row's events expanded by PostgreSQL (outbox_events, Migration20261206005100: either form of batch row), each
    // payload as its jsonb text: the bytes a plain row's payload publishes as. `events` is json (Migration20261205004900)
    // or, in an older or hand-made table, jsonb: read as json either way.
    const { rows } = await db.query<{
      id: string;
      event_id: string | null;
      subject: string | null;
      payload: string | null;
      created_at: Date | null;
    }>(
      `select o.id, coalesce(e.event_id, o.event_id) as event_id, coalesce(e.subject, o.subject) as subject,
         coalesce(e.payload, o.payload)::text as payload, o.created_at
       from (select id, event_id, subject, payload, events, created_at from ${this.o.table}
             where published_at is null order by id limit $1) o
       left join lateral outbox_events(o.events::json) as e on true
       order by o.id, e.n`,
      [batchMax],
    );
    this.stats.pending = rows.length;
    this.stats.oldestPendingAgeMs = rows[0]?.created_at ? Math.max(0, this.o.nowMs() - rows[0].created_at.getTime()) : 0;
    if (rows.length === 0) return 0;
    // One at a time: a publish goes out only after the one before it was acknowledged, so the stream's
    // order is the write order even when a publish fails (pipelining would let later rows overtake it).
    let acked = 0;
    let failure: string | undefined;
    for (const r of rows) {
      // A batch row's element without an id, subject or payload is a writer's bug: held, loudly, like a refused publish.
      if (r.event_id === null || r.subject === null || r.payload === null) {
        failure = `row ${r.id} of ${this.o.table} holds an event without eventId, subject or payload`;
        break;
      }
      const result = await this.channel.publish(r.subject, Buffer.from(r.payload, 'utf8'), r.event_id);
      if (!result.ok) {
        failure = `publish of ${r.event_id} failed: ${result.error}`;
        break;
      }
      acked++;
    }
    // The rows whose every event was acknowledged: those before the failed event's row (a row's events are together).
    const done = new Set(rows.slice(0, acked).map((r) => r.id));
    if (acked < rows.length) done.delete(rows[acked].id);
    if (done.size > 0)
      await db.query(`update ${this.o.table} set published_at = $2 where id = any($1::bigint[]) and published_at is null`, [
        [...done],
        new Date(this.o.nowMs()),
      ]);
    this.stats.published += acked;
    if (failure !== undefined) {
      this.stats.failed += 1;
      throw new Error(failure);
    }
    return new Set(rows.map((r) => r.id)).size;
  }

  private idle(): Promise<void> {
    return this.stopping ? Promise.resolve() : this.waker.sleep(this.o.idlePollMs ?? OUTBOX_IDLE_POLL_MS);
  }
}
