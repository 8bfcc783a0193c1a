/** Prometheus metrics of the rated-event sink (prom-client), on the process registry. */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface SinkMetrics {
  pendingMessages: Gauge;
  ackPendingMessages: Gauge;
  oldestPendingAgeSeconds: Gauge;
  batchSize: Histogram;
  insertSeconds: Histogram;
  insertFailures: Counter;
  eventsInserted: Counter;
  duplicatesInBatch: Counter;
  deadLetters: Counter<'reason_code'>;
  messagesAcked: Counter;
  clickhouseUp: Gauge;
}

export function createSinkMetrics(registry: Registry): SinkMetrics {
  const registers = [registry];
  return {
    pendingMessages: new Gauge({
      name: 'ratel_sink_consumer_pending_messages',
      help: 'Messages of the stream not yet delivered to the sink consumer',
      registers,
    }),
    ackPendingMessages: new Gauge({
      name: 'ratel_sink_consumer_ack_pending_messages',
      help: 'Messages delivered to the sink and not yet acknowledged',
      registers,
    }),
    oldestPendingAgeSeconds: new Gauge({
      name: 'ratel_sink_consumer_oldest_pending_age_seconds',
      help: 'Age of the oldest message the sink has not acknowledged yet (0 when caught up)',
      registers,
    }),
    batchSize: new Histogram({
      name: 'ratel_sink_batch_size',
      help: 'Messages per fetched batch',
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
      registers,
    }),
    insertSeconds: new Histogram({
      name: 'ratel_sink_insert_duration_seconds',
      help: 'Duration of one successful ClickHouse insert of a batch (events and dead letters)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    insertFailures: new Counter({
      name: 'ratel_sink_insert_failures_total',
      help: 'Failed ClickHouse insert attempts (retried with back-off)',
      registers,
    }),
    eventsInserted: new Counter({
      name: 'ratel_sink_events_inserted_total',
      help: 'Rated-event rows inserted (redeliveries included)',
      registers,
    }),
    duplicatesInBatch: new Counter({
      name: 'ratel_sink_duplicates_in_batch_total',
      help: 'Messages whose event id already appeared in the same batch',
      registers,
    }),
    deadLetters: new Counter({
      name: 'ratel_sink_dead_letters_total',
      help: 'Messages written to rated_dead_letters',
      labelNames: ['reason_code'],
      registers,
    }),
    messagesAcked: new Counter({
      name: 'ratel_sink_messages_acked_total',
      help: 'Messages acknowledged after ClickHouse accepted their batch',
      registers,
    }),
    clickhouseUp: new Gauge({
      name: 'ratel_sink_clickhouse_up',
      help: '1 when the last insert succeeded, 0 while inserts fail',
      registers,
    }),
  };
}
