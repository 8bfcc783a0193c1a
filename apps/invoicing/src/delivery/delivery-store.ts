/**
 * Deliveries in PostgreSQL (table of Migration20261203000300_deliveries). Every method is one
 * statement, so any number of worker processes share the table:
 *
 * - `enqueue` inserts a PENDING row keyed by subject id + channel; the same key again does nothing;
 * - `claim` takes due PENDING rows with `FOR UPDATE SKIP LOCKED` and a lease (a row whose lease ran
 *   out, because its worker died, is due again);
 * - `beginSend` records `sending_at` and counts the attempt BEFORE the provider is called, in its own
 *   commit: a row found with `sending_at` set and its lease run out was maybe sent (in doubt);
 * - outcomes are written only by the lease holder, so a worker that lost its row cannot overwrite
 *   the outcome of the worker that took it over.
 * Times come from the injected clock.
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { Clock } from '@app/observability';
import {
  DELIVERY_CLAIM_BATCH_MAX,
  DELIVERY_ERROR_MAX_LENGTH,
  DELIVERY_LEASE_MAX_MS,
  DELIVERY_LEASE_MIN_MS,
  DELIVERY_RECIPIENT_MAX_LENGTH,
  DELIVERY_SUBJECT_ID_MAX_LENGTH,
} from './delivery-limits';
import {
  DELIVERY_CHANNELS,
  DeliveryChannel,
  DeliveryError,
  DeliveryErrorCode,
  DeliveryPayload,
  DeliveryRecord,
  DeliveryStatus,
  idempotencyKeyOf,
  SUBJECT_KINDS,
  SubjectKind,
} from './delivery-types';

export interface EnqueueDelivery {
  subjectKind: SubjectKind;
  subjectId: string;
  channel: DeliveryChannel;
  recipient: string;
  payload: DeliveryPayload;
}

export interface OwnedDelivery {
  id: string;
  owner: string;
}

const invalid = (message: string, parameter: string) => new DeliveryError(DeliveryErrorCode.INVALID_ARGUMENT, message, parameter);

function validate(d: EnqueueDelivery): void {
  if (!SUBJECT_KINDS.includes(d.subjectKind)) throw invalid(`subjectKind must be one of ${SUBJECT_KINDS.join(', ')}`, 'subjectKind');
  if (!DELIVERY_CHANNELS.includes(d.channel)) throw invalid(`channel must be one of ${DELIVERY_CHANNELS.join(', ')}`, 'channel');
  if (!/^[A-Za-z0-9._:-]+$/.test(d.subjectId) || d.subjectId.length > DELIVERY_SUBJECT_ID_MAX_LENGTH)
    throw invalid(`subjectId must be 1-${DELIVERY_SUBJECT_ID_MAX_LENGTH} of [A-Za-z0-9._:-]`, 'subjectId');
  if (d.recipient.length === 0 || d.recipient.length > DELIVERY_RECIPIENT_MAX_LENGTH)
    throw invalid(`recipient must be 1-${DELIVERY_RECIPIENT_MAX_LENGTH} characters`, 'recipient');
  if (typeof d.payload?.text !== 'string') throw invalid('payload.text is required', 'payload');
}

export class PgDeliveryStore {
  constructor(
    private readonly pool: Pool,
    private readonly clock: Clock,
  ) {}

  /**
   * Writes a PENDING delivery, due now, or finds the one of the same subject and channel: the second
   * enqueue of a key changes nothing and returns the first row (`created` false). The same key with
   * another recipient is refused (CONFLICTING_DELIVERY): it would be a different message.
   */
  async enqueue(d: EnqueueDelivery): Promise<{ delivery: DeliveryRecord; created: boolean }> {
    validate(d);
    const now = this.now();
    const key = idempotencyKeyOf(d.subjectId, d.channel);
    const inserted = await this.pool.query(
      `insert into delivery (id, subject_kind, subject_id, channel, recipient, payload, status, next_attempt_at, idempotency_key,
         created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, 'PENDING', $7, $8, $7, $7)
       on conflict (idempotency_key) do nothing returning *`,
      [randomUUID(), d.subjectKind, d.subjectId, d.channel, d.recipient, JSON.stringify(d.payload), now, key],
    );
    if (inserted.rows.length === 1) return { delivery: toDelivery(inserted.rows[0]), created: true };
    const existing = (await this.pool.query(`select * from delivery where idempotency_key = $1`, [key])).rows[0];
    const delivery = toDelivery(existing);
    if (delivery.recipient !== d.recipient)
      throw new DeliveryError(
        DeliveryErrorCode.CONFLICTING_DELIVERY,
        `${key} was enqueued before for another recipient; a delivery is never re-addressed`,
        'recipient',
      );
    return { delivery, created: false };
  }

  /**
   * Claims up to `limit` due rows for `owner` with a lease of `leaseMs`: PENDING rows whose next
   * attempt is due and that nobody holds (or whose holder's lease ran out). Oldest due first.
   */
  async claim(p: { owner: string; leaseMs: number; limit: number; channels?: readonly DeliveryChannel[] }): Promise<DeliveryRecord[]> {
    if (!Number.isInteger(p.limit) || p.limit < 1 || p.limit > DELIVERY_CLAIM_BATCH_MAX)
      throw invalid(`limit must be an integer from 1 to ${DELIVERY_CLAIM_BATCH_MAX}`, 'limit');
    if (!Number.isInteger(p.leaseMs) || p.leaseMs < DELIVERY_LEASE_MIN_MS || p.leaseMs > DELIVERY_LEASE_MAX_MS)
      throw invalid(`leaseMs must be an integer from ${DELIVERY_LEASE_MIN_MS} to ${DELIVERY_LEASE_MAX_MS}`, 'leaseMs');
    const now = this.now();
    const { rows } = await this.pool.query(
      `update delivery d set lease_owner = $1, lease_expires_at = $2, updated_at = $3
       from (select id from delivery
             where status = 'PENDING' and next_attempt_at <= $3 and (lease_expires_at is null or lease_expires_at < $3)
               and ($5::text[] is null or channel = any($5::text[]))
             order by next_attempt_at, id limit $4 for update skip locked) pick
       where d.id = pick.id
       returning d.*`,
      [p.owner, new Date(now.getTime() + p.leaseMs), now, p.limit, p.channels ?? null],
    );
    return rows.map(toDelivery).sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime() || a.id.localeCompare(b.id));
  }

  /**
   * Records that `owner` is about to call the provider (one more attempt, `sending_at` now, the lease
   * renewed for `leaseMs`) and
   * returns the row as it was, whose `sendingAt` tells whether an earlier attempt may have been sent.
   * Null when `owner` no longer holds the row: it must not send.
   */
  async beginSend(p: OwnedDelivery & { leaseMs: number }): Promise<{ delivery: DeliveryRecord; inDoubt: boolean } | null> {
    const now = this.now();
    // The lease is renewed from now: the call that follows (bounded by a timeout shorter than the
    // lease) ends before anyone else may take the row.
    const { rows } = await this.pool.query(
      `update delivery d set attempts = d.attempts + 1, sending_at = $3, updated_at = $3, lease_expires_at = $4
       from (select id, sending_at from delivery where id = $1 for update) before
       where d.id = before.id and d.status = 'PENDING' and d.lease_owner = $2 and d.lease_expires_at >= $3
       returning d.*, before.sending_at as previous_sending_at`,
      [p.id, p.owner, now, new Date(now.getTime() + p.leaseMs)],
    );
    if (rows.length === 0) return null;
    return { delivery: toDelivery(rows[0]), inDoubt: rows[0].previous_sending_at !== null };
  }

  /** The provider accepted it: SENT with its message id. False when `owner` had lost the row. */
  async markSent(p: OwnedDelivery & { providerMessageId: string }): Promise<boolean> {
    const now = this.now();
    const { rowCount } = await this.pool.query(
      `update delivery set status = 'SENT', provider_message_id = $3, sent_at = $4, updated_at = $4, sending_at = null,
         lease_owner = null, lease_expires_at = null, last_error = null
       where id = $1 and status = 'PENDING' and lease_owner = $2`,
      [p.id, p.owner, p.providerMessageId, now],
    );
    return rowCount === 1;
  }

  /**
   * The attempt failed: PENDING again after `retryInMs` (cleared `sending_at`: the provider said no,
   * so nothing is in doubt), or `finalStatus` (FAILED after the last attempt, BOUNCED/FAILED for a
   * permanent refusal). Returns the status written, null when `owner` had lost the row.
   */
  async markAttemptFailed(
    p: OwnedDelivery & { error: string; retryInMs: number | null; finalStatus: Extract<DeliveryStatus, 'FAILED' | 'BOUNCED'> },
  ): Promise<DeliveryStatus | null> {
    const now = this.now();
    const status: DeliveryStatus = p.retryInMs === null ? p.finalStatus : 'PENDING';
    const next = p.retryInMs === null ? now : new Date(now.getTime() + p.retryInMs);
    const { rows } = await this.pool.query(
      `update delivery set status = $3, next_attempt_at = $4, last_error = $5, sending_at = null, updated_at = $6,
         lease_owner = null, lease_expires_at = null
       where id = $1 and status = 'PENDING' and lease_owner = $2
       returning status`,
      [p.id, p.owner, status, next, p.error.slice(0, DELIVERY_ERROR_MAX_LENGTH), now],
    );
    return rows.length === 0 ? null : (rows[0].status as DeliveryStatus);
  }

  /** Gives back rows claimed and not attempted (a stopping worker), due at once for another worker. */
  async release(p: { owner: string; ids: readonly string[] }): Promise<number> {
    const { rowCount } = await this.pool.query(
      `update delivery set lease_owner = null, lease_expires_at = null, updated_at = $3
       where id = any($1::text[]) and lease_owner = $2 and status = 'PENDING'`,
      [p.ids, p.owner, this.now()],
    );
    return rowCount ?? 0;
  }

  async get(id: string): Promise<DeliveryRecord | null> {
    const { rows } = await this.pool.query(`select * from delivery where id = $1`, [id]);
    return rows.length === 0 ? null : toDelivery(rows[0]);
  }

  async findBySubject(subjectId: string): Promise<DeliveryRecord[]> {
    const { rows } = await this.pool.query(`select * from delivery where subject_id = $1 order by channel`, [subjectId]);
    return rows.map(toDelivery);
  }

  /** Counts per channel and status (the metrics gauge, the cycle report's success rate). */
  async countByStatus(): Promise<Array<{ channel: DeliveryChannel; status: DeliveryStatus; count: number }>> {
    const { rows } = await this.pool.query(`select channel, status, count(*)::int as n from delivery group by channel, status`);
    return rows.map((r) => ({ channel: r.channel, status: r.status, count: r.n as number }));
  }

  private now(): Date {
    return new Date(this.clock.nowMs());
  }
}

function toDelivery(r: Record<string, unknown>): DeliveryRecord {
  return {
    id: r.id as string,
    subjectKind: r.subject_kind as SubjectKind,
    subjectId: r.subject_id as string,
    channel: r.channel as DeliveryChannel,
    recipient: r.recipient as string,
    payload: r.payload as DeliveryPayload,
    status: r.status as DeliveryStatus,
    attempts: r.attempts as number,
    nextAttemptAt: r.next_attempt_at as Date,
    sendingAt: (r.sending_at as Date | null) ?? null,
    leaseOwner: (r.lease_owner as string | null) ?? null,
    leaseExpiresAt: (r.lease_expires_at as Date | null) ?? null,
    lastError: (r.last_error as string | null) ?? null,
    providerMessageId: (r.provider_message_id as string | null) ?? null,
    idempotencyKey: r.idempotency_key as string,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
    sentAt: (r.sent_at as Date | null) ?? null,
  };
}
