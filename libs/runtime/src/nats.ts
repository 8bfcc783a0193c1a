/** The NATS connection of every Ratel process (charging, relay, journal, mediation, invoicing). */
import { connect, NatsConnection } from 'nats';

export const NATS_CONNECTION = Symbol('NATS_CONNECTION');

/** Reconnect attempts are unlimited: the outbox holds the events while NATS is away. */
export const NATS_RECONNECT_ATTEMPTS_MAX = -1;
/** Pause between reconnect attempts to one server. */
export const NATS_RECONNECT_WAIT_MS = 500;
/** Longest wait for the first connection (the process fails at start if NATS is not there). */
export const NATS_CONNECT_TIMEOUT_MS = 5_000;

export interface NatsConnectionOptions {
  /**
   * Keep trying the first connection instead of failing the start after NATS_CONNECT_TIMEOUT_MS
   * (invoicing's API answers /healthz while NATS is still away).
   */
  waitOnFirstConnect?: boolean;
}

/** `servers`: comma-separated URLs (NATS_URL); `name`: the client name NATS shows (e.g. `ratel-relay`). */
export function createNatsConnection(servers: string, name: string, options: NatsConnectionOptions = {}): Promise<NatsConnection> {
  return connect({
    servers: servers.split(',').map((s) => s.trim()),
    name,
    maxReconnectAttempts: NATS_RECONNECT_ATTEMPTS_MAX,
    reconnectTimeWait: NATS_RECONNECT_WAIT_MS,
    timeout: NATS_CONNECT_TIMEOUT_MS,
    waitOnFirstConnect: options.waitOnFirstConnect ?? false,
  });
}

/** Readiness check for the ops server: a round trip to the server (rejects while disconnected or closed). */
export async function natsReady(nc: NatsConnection): Promise<void> {
  if (nc.isClosed()) throw new Error('connection closed');
  await nc.flush();
}

/** Drains (flushes publishes, ends subscriptions) and closes; a no-op on a closed connection. */
export async function drainNats(nc: NatsConnection): Promise<void> {
  if (nc.isClosed()) return;
  await nc.drain().catch(() => nc.close());
}
