/**
 * The delivery process: the delivery worker (EMAIL, SMS, WEBHOOK as configured) and, with NATS_URL,
 * the consumer that turns RATEL_NOTIFY balance notifications into SMS (or push) deliveries, and the one
 * that turns collections' DUNNING_STEP_TAKEN events (RATEL_COLLECTIONS) into dunning notices (dunning-notices.ts).
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register apps/invoicing/src/delivery/delivery-main.ts
 *
 * Configuration: delivery-config.ts. Ops endpoints on DELIVERY_METRICS_HOST:PORT (/metrics, /healthz,
 * /readyz). SIGTERM/SIGINT: the worker finishes the delivery in hand, gives back what it claimed, exit 0.
 * Prints `delivery running` once it works. The crash guarantee is documented in delivery-worker.ts.
 */
import { createRegistry, createLogger, systemClock } from '@app/observability';
import { createNatsConnection, drainNats, onStopSignals, PeriodicTask, runMain, startOpsServer } from '@app/runtime';
import type { NatsConnection } from 'nats';
import { COLLECTIONS_STREAM, COLLECTIONS_SUBJECTS, validateDunningStepTaken, validateNotification } from '@app/events';
import { ensureEventStream } from '@app/events/outbox-stream';
import { Pool } from 'pg';
import { JetStreamSource } from '../ingest/jetstream-source';
import { loadDeliveryConfig, printableDeliveryConfig } from './delivery-config';
import { DELIVERY_SEND_TIMEOUT_MS } from './delivery-limits';
import { createDeliveryMetrics } from './delivery-metrics';
import { PgDeliveryStore } from './delivery-store';
import type { DeliveryChannel } from './delivery-types';
import { DeliveryWorker } from './delivery-worker';
import { EmailSender } from './email-sender';
import { EnqueueNotificationDelivery } from './enqueue-notification-delivery.usecase';
import { FsDocumentBytes } from './fs-document-bytes';
import { SmsSender, WebhookSender } from './http-json-sender';
import { DeliveryEventConsumer } from './notification-consumer';
import { assertDunningTemplatesComplete, EnqueueDunningNotices } from './dunning-notices';
import { PortalSender } from './portal-sender';
import { assertTemplatesComplete } from './notification-templates';
import type { Sender } from './ports';
import { PgSubscriberContacts } from './subscriber-contacts';

/** Time a stop may take (the send in hand is bounded by DELIVERY_SEND_TIMEOUT_MS) before exit 1. */
export const DELIVERY_STOP_MAX_MS = 30_000;
/** A send may take at most this share of the lease, so a live worker's row is never taken over in mid-send. */
const SEND_TIMEOUT_LEASE_DIVISOR = 2;
/** Pool size: the worker, the consumer and the gauge each use one connection at a time. */
const DELIVERY_POOL_MAX = 4;
/** How often the per-channel, per-status gauge is read from PostgreSQL. */
export const DELIVERY_GAUGE_INTERVAL_MS = 15_000;

async function main(): Promise<void> {
  const config = loadDeliveryConfig();
  const logger = createLogger('delivery');
  assertTemplatesComplete();
  assertDunningTemplatesComplete();
  logger.info({ config: printableDeliveryConfig(config) }, 'delivery starting');
  const registry = createRegistry('delivery');
  const metrics = createDeliveryMetrics(registry);
  const pool = new Pool({ connectionString: config.DATABASE_URL, max: DELIVERY_POOL_MAX });
  const store = new PgDeliveryStore(pool, systemClock);

  const documents = new FsDocumentBytes(config.DELIVERY_DOCUMENTS_DIR);
  const sendTimeoutMs = Math.min(DELIVERY_SEND_TIMEOUT_MS, Math.floor(config.DELIVERY_LEASE_MS / SEND_TIMEOUT_LEASE_DIVISOR));
  const senders: Partial<Record<DeliveryChannel, Sender>> = { PORTAL: new PortalSender(documents) };
  let email: EmailSender | undefined;
  if (config.DELIVERY_SMTP_URL !== '') {
    email = new EmailSender({
      smtpUrl: config.DELIVERY_SMTP_URL,
      from: config.DELIVERY_EMAIL_FROM,
      messageIdDomain: config.DELIVERY_MESSAGE_ID_DOMAIN,
      documents,
      sendTimeoutMs,
    });
    senders.EMAIL = email;
  }
  if (config.DELIVERY_SMS_GATEWAY_URL !== '')
    senders.SMS = new SmsSender({ url: config.DELIVERY_SMS_GATEWAY_URL, from: config.DELIVERY_SMS_FROM, sendTimeoutMs });
  if (config.DELIVERY_WEBHOOK_ENABLED === 'true') senders.WEBHOOK = new WebhookSender({ sendTimeoutMs });

  const abort = new AbortController();
  const tasks: Promise<void>[] = [];
  const worker = new DeliveryWorker({
    store,
    senders,
    owner: config.DELIVERY_WORKER_ID,
    leaseMs: config.DELIVERY_LEASE_MS,
    logger,
    metrics,
    attemptsMax: config.DELIVERY_ATTEMPTS_MAX,
    backoff: { initialMs: config.DELIVERY_BACKOFF_INITIAL_MS, maxMs: Math.max(config.DELIVERY_BACKOFF_INITIAL_MS, 30 * 60_000) },
    inDoubtEmail: config.DELIVERY_IN_DOUBT_EMAIL,
    idlePollMs: config.DELIVERY_IDLE_POLL_MS,
  });
  tasks.push(worker.run(abort.signal));

  let nats: NatsConnection | undefined;
  if (config.NATS_URL !== '') {
    nats = await createNatsConnection(config.NATS_URL, 'ratel-delivery', { waitOnFirstConnect: true });
    const source = await JetStreamSource.open(nats, {
      stream: config.DELIVERY_NOTIFY_STREAM,
      consumer: config.DELIVERY_NOTIFY_CONSUMER,
      filterSubject: config.DELIVERY_NOTIFY_FILTER_SUBJECT,
      ackWaitMs: config.DELIVERY_NOTIFY_ACK_WAIT_MS,
      maxAckPending: 1_000,
    });
    await source.ensureConsumer();
    const enqueue = new EnqueueNotificationDelivery(store, new PgSubscriberContacts(pool), {
      channel: config.DELIVERY_NOTIFY_CHANNEL,
      webhookUrl: config.DELIVERY_PUSH_WEBHOOK_URL,
      defaultLanguage: config.DELIVERY_DEFAULT_LANGUAGE,
    });
    tasks.push(
      new DeliveryEventConsumer(
        source,
        {
          what: 'notification',
          validate: validateNotification,
          enqueue: async (n) => [await enqueue.execute(n)],
          counter: metrics.notifications,
          idOf: (n) => n.eventId,
        },
        logger,
      ).run(abort.signal),
    );
    // Dunning notices from collections (RATEL_COLLECTIONS is made here too when collections has not started yet; another stream must exist).
    if (config.DELIVERY_DUNNING_STREAM === COLLECTIONS_STREAM)
      await ensureEventStream(await nats.jetstreamManager(), { name: COLLECTIONS_STREAM, subjects: COLLECTIONS_SUBJECTS });
    const dunningSource = await JetStreamSource.open(nats, {
      stream: config.DELIVERY_DUNNING_STREAM,
      consumer: config.DELIVERY_DUNNING_CONSUMER,
      filterSubject: config.DELIVERY_DUNNING_FILTER_SUBJECT,
      ackWaitMs: config.DELIVERY_NOTIFY_ACK_WAIT_MS,
      maxAckPending: 1_000,
    });
    await dunningSource.ensureConsumer();
    const notices = new EnqueueDunningNotices(pool, store, config.DELIVERY_DEFAULT_LANGUAGE);
    tasks.push(
      new DeliveryEventConsumer(
        dunningSource,
        {
          what: 'dunning notice',
          validate: validateDunningStepTaken,
          enqueue: (e) => notices.execute(e),
          counter: metrics.dunningNotices,
          idOf: (e) => e.eventId,
        },
        logger,
      ).run(abort.signal),
    );
  }

  const gauge = new PeriodicTask(DELIVERY_GAUGE_INTERVAL_MS, async () => {
    try {
      const counts = await store.countByStatus();
      metrics.deliveries.reset();
      for (const c of counts) metrics.deliveries.set({ channel: c.channel, status: c.status }, c.count);
    } catch (err) {
      logger.warn({ err: String(err) }, 'delivery gauge not refreshed');
    }
  });
  gauge.start();
  let live = true;
  const ops = await startOpsServer({
    host: config.DELIVERY_METRICS_HOST,
    port: config.DELIVERY_METRICS_PORT,
    registry,
    live: () => live,
    checks: { postgres: () => pool.query('select 1') },
  });
  onStopSignals(logger, 'delivery', DELIVERY_STOP_MAX_MS, async () => {
    live = false;
    abort.abort();
    await Promise.all(tasks);
    await gauge.stop();
    email?.close();
    if (nats) await drainNats(nats);
    await ops.close();
    await pool.end();
  });
  logger.info({ channels: Object.keys(senders), notifications: nats !== undefined, metrics: ops.url }, 'delivery running');
}

if (require.main === module) runMain('delivery', main);
