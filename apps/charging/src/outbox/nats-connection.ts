/** The NATS connection of a process that publishes to JetStream (the relay). */
import { connect, NatsConnection } from 'nats';

export const NATS_CONNECTION = Symbol('NATS_CONNECTION');

/** Reconnect attempts are unlimited: the outbox holds the events while NATS is away. */
export const NATS_MAX_RECONNECT_ATTEMPTS = -1;
/** Pause between reconnect attempts to one server. */
export const NATS_RECONNECT_WAIT_MS = 500;
/** Longest wait for the first connection (the process fails at start if NATS is not there). */
export const NATS_CONNECT_TIMEOUT_MS = 5_000;

export function createNatsConnection(servers: string, name: string): Promise<NatsConnection> {
  return connect({
    servers: servers.split(',').map((s) => s.trim()),
    name,
    maxReconnectAttempts: NATS_MAX_RECONNECT_ATTEMPTS,
    reconnectTimeWait: NATS_RECONNECT_WAIT_MS,
    timeout: NATS_CONNECT_TIMEOUT_MS,
  });
}

/** Drains (flushes publishes, ends subscriptions) and closes; a no-op on a closed connection. */
export async function drainNats(nc: NatsConnection): Promise<void> {
  if (nc.isClosed()) return;
  await nc.drain().catch(() => nc.close());
}
