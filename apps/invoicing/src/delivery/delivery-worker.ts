/**
 * The delivery worker: claims due deliveries (SKIP LOCKED, with a lease), sends each through its
 * channel's sender, and records the outcome; a failure is retried with the shared back-off of
 * libs/runtime up to DELIVERY_ATTEMPTS_MAX, then FAILED.
 *
 * Never sent twice, across crashes: what holds exactly.
 * 1. One row per subject and channel (UNIQUE idempotency key), and one worker at a time per row
 *    (the lease; outcomes written by the lease holder only).
 * 2. Before each provider call the worker commits `sending_at` (beginSend). A row is therefore in
 *    one of three states: never tried, tried with a recorded outcome, or IN DOUBT (sending recorded,
 *    no outcome: its worker died or lost the database during the call).
 * 3. A row in doubt is sent again only with what makes a duplicate harmless or detectable:
 *    - SMS and webhook: the same idempotency key in the gateway's idempotency header; a gateway that
 *      honours it (ours does, for its de-duplication window) delivers once: exactly once.
 *    - Email: SMTP has no idempotency. The retry carries the same Message-ID (derived from the key),
 *      so a second copy is recognisable as the same message. The ONE remaining window: the worker dies
 *      after the SMTP server answered 250 to the message data and before `SENT` is committed (one
 *      network reply plus one PostgreSQL commit, milliseconds), or cannot commit it (the database is
 *      unreachable then: the row stays in doubt, as after a crash). Then the email is sent a second time,
 *      with the same Message-ID. Any death before that 250 (the server then has not accepted the
 *      message) is retried without a duplicate. With `inDoubtEmail: 'HOLD'` the worker instead marks
 *      an in-doubt email FAILED ("in doubt") for an operator: at most once, never twice, possibly never.
 */
import type { Logger } from '@app/observability';
import { backoffDelayMs, BackoffPolicy, sleep } from '@app/runtime';
import {
  DELIVERY_ATTEMPTS_MAX,
  DELIVERY_BACKOFF_INITIAL_MS,
  DELIVERY_BACKOFF_MAX_MS,
  DELIVERY_CLAIM_BATCH_MAX,
  DELIVERY_IDLE_POLL_MS,
} from './delivery-limits';
import type { DeliveryMetrics } from './delivery-metrics';
import type { PgDeliveryStore } from './delivery-store';
import type { DeliveryChannel, DeliveryRecord } from './delivery-types';
import { SendFailure, type Sender } from './ports';

export const DELIVERY_BACKOFF: BackoffPolicy = { initialMs: DELIVERY_BACKOFF_INITIAL_MS, maxMs: DELIVERY_BACKOFF_MAX_MS };

/** What the worker does with an email whose earlier attempt is in doubt. */
export type InDoubtPolicy = 'RESEND' | 'HOLD';

export interface DeliveryWorkerOptions {
  store: PgDeliveryStore;
  senders: Partial<Record<DeliveryChannel, Sender>>;
  owner: string;
  leaseMs: number;
  logger: Logger;
  metrics?: DeliveryMetrics;
  attemptsMax?: number;
  backoff?: BackoffPolicy;
  inDoubtEmail?: InDoubtPolicy;
  batchMax?: number;
  idlePollMs?: number;
}

export class DeliveryWorker {
  private readonly attemptsMax: number;

  constructor(private readonly o: DeliveryWorkerOptions) {
    this.attemptsMax = o.attemptsMax ?? DELIVERY_ATTEMPTS_MAX;
  }

  /** Claims and sends until `signal` aborts; rows claimed and not attempted are given back. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let worked = 0;
      try {
        worked = await this.runOnce(signal);
      } catch (err) {
        this.o.logger.error({ err }, 'delivery round failed');
      }
      if (worked === 0) await sleep(this.o.idlePollMs ?? DELIVERY_IDLE_POLL_MS, signal).catch(() => undefined);
    }
  }

  /** One round: claims a batch and handles each row in order. Returns how many rows it claimed. */
  async runOnce(signal?: AbortSignal): Promise<number> {
    const channels = Object.keys(this.o.senders) as DeliveryChannel[];
    const batch = await this.o.store.claim({
      owner: this.o.owner,
      leaseMs: this.o.leaseMs,
      limit: this.o.batchMax ?? DELIVERY_CLAIM_BATCH_MAX,
      channels,
    });
    for (let i = 0; i < batch.length; i++) {
      if (signal?.aborted) {
        await this.o.store.release({ owner: this.o.owner, ids: batch.slice(i).map((d) => d.id) });
        break;
      }
      await this.deliver(batch[i]);
    }
    return batch.length;
  }

  private async deliver(claimed: DeliveryRecord): Promise<void> {
    const { store, owner } = this.o;
    const begun = await store.beginSend({ id: claimed.id, owner, leaseMs: this.o.leaseMs });
    if (begun === null) return; // lost the lease: another worker has the row
    const { delivery, inDoubt } = begun;
    const channel = delivery.channel;
    if (inDoubt) {
      this.o.metrics?.inDoubt.inc({ channel });
      this.o.logger.warn(
        { deliveryId: delivery.id, channel, attempts: delivery.attempts },
        'delivery in doubt: an earlier attempt may have been sent',
      );
    }
    if (delivery.attempts > this.attemptsMax) {
      return this.finish(delivery, 'failed', {
        error: `gave up after ${this.attemptsMax} attempts (the last ones ended without an outcome)`,
        retry: false,
      });
    }
    if (inDoubt && channel === 'EMAIL' && this.o.inDoubtEmail === 'HOLD') {
      return this.finish(delivery, 'failed', {
        error: 'in doubt: an earlier attempt may have been sent; held for an operator',
        retry: false,
      });
    }
    const sender = this.o.senders[channel]!;
    const stopTimer = this.o.metrics?.sendSeconds.startTimer({ channel });
    let providerMessageId: string;
    try {
      ({ providerMessageId } = await sender.send({
        idempotencyKey: delivery.idempotencyKey,
        recipient: delivery.recipient,
        payload: delivery.payload,
      }));
    } catch (err) {
      stopTimer?.();
      const kind = err instanceof SendFailure ? err.kind : 'TRANSIENT';
      const error = err instanceof Error ? err.message : String(err);
      if (kind === 'BOUNCED') return this.finish(delivery, 'bounced', { error, retry: false });
      if (kind === 'PERMANENT') return this.finish(delivery, 'failed', { error, retry: false });
      return this.finish(delivery, 'retry', { error, retry: delivery.attempts < this.attemptsMax });
    }
    stopTimer?.();
    // Outside the send's catch: a database error here must not count as a failed send (that would
    // retry what the provider accepted). It propagates; the row stays in doubt, as after a crash.
    if (await store.markSent({ id: delivery.id, owner, providerMessageId })) this.o.metrics?.attempts.inc({ channel, outcome: 'sent' });
  }

  private async finish(d: DeliveryRecord, outcome: 'failed' | 'bounced' | 'retry', p: { error: string; retry: boolean }): Promise<void> {
    const retryInMs = p.retry ? backoffDelayMs(d.attempts, this.o.backoff ?? DELIVERY_BACKOFF) : null;
    const status = await this.o.store.markAttemptFailed({
      id: d.id,
      owner: this.o.owner,
      error: p.error,
      retryInMs,
      finalStatus: outcome === 'bounced' ? 'BOUNCED' : 'FAILED',
    });
    if (status === null) return;
    const recorded = status === 'PENDING' ? 'retry' : status === 'BOUNCED' ? 'bounced' : 'failed';
    this.o.metrics?.attempts.inc({ channel: d.channel, outcome: recorded });
    this.o.logger.warn({ deliveryId: d.id, channel: d.channel, attempts: d.attempts, status, error: p.error }, 'delivery attempt failed');
  }
}
