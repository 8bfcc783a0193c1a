/**
 * Publishes messages to JetStream the way the outbox relay does (JetStreamPublisher: core publishes with a
 * reply inbox, Nats-Msg-Id, acks matched, `inflightMax` unacknowledged), `batchMax` at a time, without Redis:
 * the raw-publish baseline of the relay bench and the publisher of the event-batching bench.
 */
import type { NatsConnection } from 'nats';
import { JetStreamPublisher, type OutboxMessage } from '../../apps/charging/src/outbox/jetstream-publisher';
import { DEFAULT_RELAY_LIMITS } from '../../apps/charging/src/outbox/relay-limits';

export async function publishLikeTheRelay(
  nc: NatsConnection,
  msgs: readonly OutboxMessage[],
  batchMax = DEFAULT_RELAY_LIMITS.batchMax,
  inflightMax = DEFAULT_RELAY_LIMITS.inflightMax,
): Promise<void> {
  const pub = new JetStreamPublisher(nc, { inflightMax, ackTimeoutMs: DEFAULT_RELAY_LIMITS.ackTimeoutMs });
  try {
    for (let i = 0; i < msgs.length; i += batchMax) {
      const failed = (await pub.publishAll(msgs.slice(i, i + batchMax))).find((r) => !r.ok);
      if (failed) throw new Error(`publish failed: ${JSON.stringify(failed)}`);
    }
  } finally {
    pub.close();
  }
}
