/**
 * Events and publishing for the sink bench: deterministic rated events made on the fly (nothing
 * of size N is held in memory), and a JetStream publisher that sends plain publishes with a reply
 * inbox and counts the acks on one subscription (what the charging relay does; about ten times
 * faster than awaiting `js.publish` per message, see shared/design/baselines.md).
 */

import type { RatedEvent } from '@app/events';
import { createInbox, headers, NatsConnection } from 'nats';
import { PERIOD_FROM_MS, PERIOD_DAYS } from './bench-limits';
import { ratedEvent } from '@app/events/testing';

export const PROBE_ACCOUNT = 'lag-probe';

/** Event `i` of a run: spread over `accounts` accounts and the bench period. */
export function benchEvent(runId: string, i: number, accounts: number, accountId = `acc-${i % accounts}`): RatedEvent {
  return ratedEvent(`${runId}-${i}`, {
    accountId,
    subscriberId: String(491700000000 + (i % 100_000)),
    serviceId: 1 + (i % 4),
    ratingGroup: 10 + (i % 8),
    usedUnits: 1_000 + (i % 5_000),
    billableUnits: 1_024 + (i % 5_000),
    amountMicros: String(1_000 + (i % 997) * 13),
    occurredAtMs: PERIOD_FROM_MS + (i % (PERIOD_DAYS * 86_400)) * 1000,
  });
}

export interface OutMessage {
  subject: string;
  data: Uint8Array;
  msgId: string;
}

export function toMessage(subjectRoot: string, e: RatedEvent): OutMessage {
  return { subject: `${subjectRoot}.${e.accountId}`, data: Buffer.from(JSON.stringify(e)), msgId: e.eventId };
}

/** Longest wait for the outstanding acks once everything is sent. */
const ACK_DRAIN_TIMEOUT_MS = 60_000;

/** Publishes with at most `inflightMax` unacknowledged messages; throws on any JetStream error ack. */
export class FastPublisher {
  private readonly inbox = createInbox();
  private sent = 0;
  private acked = 0;
  private errors: string[] = [];
  private wake?: () => void;
  private readonly sub;

  constructor(
    private readonly nc: NatsConnection,
    private readonly inflightMax: number,
  ) {
    this.sub = nc.subscribe(`${this.inbox}.*`, {
      callback: (_err, m) => {
        const text = Buffer.from(m.data).toString();
        if (text.includes('"error"') && this.errors.length < 5) this.errors.push(text);
        this.acked++;
        const w = this.wake;
        this.wake = undefined;
        w?.();
      },
    });
  }

  private waitForAck(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  async publish(m: OutMessage): Promise<void> {
    while (this.sent - this.acked >= this.inflightMax) await this.waitForAck();
    const h = headers();
    h.set('Nats-Msg-Id', m.msgId);
    this.nc.publish(m.subject, m.data, { reply: `${this.inbox}.${this.sent}`, headers: h });
    this.sent++;
  }

  /** Waits for every ack, then stops listening. */
  async close(): Promise<void> {
    const deadline = Date.now() + ACK_DRAIN_TIMEOUT_MS;
    while (this.acked < this.sent) {
      if (Date.now() > deadline) throw new Error(`publisher: ${this.sent - this.acked} acks missing after ${ACK_DRAIN_TIMEOUT_MS} ms`);
      await Promise.race([this.waitForAck(), new Promise((r) => setTimeout(r, 100))]);
    }
    this.sub.unsubscribe();
    if (this.errors.length > 0) throw new Error(`publisher: JetStream refused messages: ${this.errors.join(' | ')}`);
  }
}
