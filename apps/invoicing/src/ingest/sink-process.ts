/**
 * Wires the rated-event sink from its config: ClickHouse migrations, the ClickHouse store, the
 * NATS consumer, the ops endpoints (sink alone: /healthz, /readyz, /metrics) and the lag poller. main.ts adds the environment and the
 * signals; tests start it in-process.
 */
import { clickhouseReady, ClickhouseRatedEventStore, createClickhouseClient, migrateClickhouse } from '@app/analytics';
import { Clock, createRegistry, Logger, systemClock } from '@app/observability';
import { createNatsConnection, drainNats, natsReady, sleep, startOpsServer } from '@app/runtime';
import type { Registry } from 'prom-client';
import type { InvoicingConfig } from '../config';
import { sinkBackoffDelayMs } from './backoff';
import { JetStreamSource } from './jetstream-source';
import { RatedEventSink } from './rated-event-sink';
import { createSinkMetrics } from './sink-metrics';
import { LAG_POLL_INTERVAL_MS, ACK_PENDING_BATCHES_MAX } from './sink-limits';

export interface SinkProcess {
  /** URL of the sink's own /metrics server; empty when the host process serves the registry. */
  metricsUrl: string;
  /** Resolves when the sink has stopped and every connection is closed. */
  done: Promise<void>;
  /** Finishes the batch in hand (within the shutdown grace), then closes everything. */
  stop(): Promise<void>;
}

/** Calls `fn` until it succeeds, backing off (capped exponential) between attempts: start-up waits for its servers. */
export async function untilItWorks<T>(what: string, logger: Logger, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const delayMs = sinkBackoffDelayMs(attempt);
      logger.warn({ err: String(err), attempt, delayMs }, `${what} failed; retrying`);
      await sleep(delayMs);
    }
  }
}

export interface SinkHosting {
  /** Register the sink's metrics here and start no metrics server (the host serves /metrics). */
  registry: Registry;
}

export async function startSinkProcess(
  config: InvoicingConfig,
  logger: Logger,
  clock: Clock = systemClock,
  hosting?: SinkHosting,
): Promise<SinkProcess> {
  const database = config.CLICKHOUSE_DATABASE;
  if (config.SINK_MIGRATE) {
    const r = await untilItWorks('ClickHouse migrations', logger, () => migrateClickhouse(config.CLICKHOUSE_URL, database));
    logger.info({ database, applied: r.applied }, 'ClickHouse schema up to date');
  }
  const client = createClickhouseClient({ url: config.CLICKHOUSE_URL, requestTimeoutMs: config.SINK_INSERT_TIMEOUT_MS });
  const nc = await createNatsConnection(config.NATS_URL, 'ratel-invoicing-sink', { waitOnFirstConnect: true });
  const source = await JetStreamSource.open(nc, {
    stream: config.SINK_STREAM,
    consumer: config.SINK_CONSUMER,
    filterSubject: config.SINK_FILTER_SUBJECT,
    ackWaitMs: config.SINK_ACK_WAIT_MS,
    maxAckPending: config.SINK_BATCH_MAX * ACK_PENDING_BATCHES_MAX,
  });
  await untilItWorks(`consumer ${config.SINK_CONSUMER} on stream ${config.SINK_STREAM}`, logger, () => source.ensureConsumer());

  const registry = hosting?.registry ?? createRegistry('invoicing');
  const metrics = createSinkMetrics(registry);
  const store = new ClickhouseRatedEventStore(client, database);
  const sink = new RatedEventSink(
    { source, store, metrics, logger, clock },
    {
      stream: config.SINK_STREAM,
      batchMax: config.SINK_BATCH_MAX,
      fetchWaitMs: config.SINK_FETCH_WAIT_MS,
      ackWaitMs: config.SINK_ACK_WAIT_MS,
      shutdownGraceMs: config.SINK_SHUTDOWN_GRACE_MS,
    },
  );
  let stopping = false;
  const server = hosting
    ? { url: '', close: async () => undefined }
    : await startOpsServer({
        host: config.SINK_METRICS_HOST,
        port: config.SINK_METRICS_PORT,
        registry,
        live: () => !stopping,
        checks: { nats: () => natsReady(nc), clickhouse: () => clickhouseReady(client) },
      });
  const pollLag = () => sink.pollLag().catch((err: unknown) => logger.debug({ err: String(err) }, 'reading consumer lag failed'));
  void pollLag();
  const lagTimer = setInterval(pollLag, LAG_POLL_INTERVAL_MS);
  logger.info({ stream: config.SINK_STREAM, consumer: config.SINK_CONSUMER, metrics: server.url }, 'rated-event sink running');

  const done = sink.run().finally(async () => {
    clearInterval(lagTimer);
    await drainNats(nc);
    await client.close();
    await server.close();
    logger.info('rated-event sink stopped');
  });
  return {
    metricsUrl: server.url,
    done,
    stop: async () => {
      stopping = true;
      sink.stop();
      await done;
    },
  };
}
