/**
 * Delivery end to end, against processes only: a real SMTP server (smtp-server, its own process,
 * writing each accepted message to a folder), the fake HTTP SMS gateway (its own process), the
 * delivery process (delivery-main.ts) killed with SIGKILL and restarted, PostgreSQL and NATS.
 *
 * - Email: four invoices; the delivery process is SIGKILLed while the SMTP server holds the third
 *   message before its 250 reply (so the server never accepts it, and the row is left in doubt),
 *   then restarted: every email arrives exactly once, with its PDF attached and the Message-ID of its key.
 * - SMS: the gateway fails once, the retry after the back-off (fake clock) is sent; a send that the
 *   gateway accepted but whose outcome was never recorded (a crash) is resent with the same
 *   Idempotency-Key and the gateway keeps one message.
 * - Notifications: a balance notification published (twice) on the notify stream becomes exactly one
 *   SMS to the prepaid subscriber, in the configured language; one for an unknown account and a
 *   malformed message deliver nothing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, NatsConnection, RetentionPolicy, StorageType } from 'nats';
import { Pool } from 'pg';
import { migrate } from '@app/db';
import {
  createTestDatabase,
  FakeSmsGateway,
  requireEnv,
  startFakeSmsGateway,
  startTestSmtpServer,
  TestSmtpServer,
  uniqueId,
  waitFor,
} from '@app/devstack';
import { collectionsEvent, NOTIFICATION_SCHEMA, type Notification } from '@app/events';
import { FakeClock, systemClock, type Logger } from '@app/observability';
import { PgDeliveryStore } from '../src/delivery/delivery-store';
import { DELIVERY_BACKOFF, DeliveryWorker } from '../src/delivery/delivery-worker';
import { DELIVERY_KEY_HEADER } from '../src/delivery/email-sender';
import { SmsSender } from '../src/delivery/http-json-sender';
import { messageIdOf } from '../src/delivery/message-id';
import { DeliveryChild, killIfRunning, startDeliveryProcess } from './delivery-process';

jest.setTimeout(300_000);

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined } as unknown as Logger;
/** How long the spec waits for a process to do what it was asked (generous: ts-node children on a busy machine). */
const PROCESS_WAIT_MS = 90_000;
const LEASE_MS = 2_000;

function header(raw: string, name: string): string | undefined {
  return new RegExp(`^${name}: *(.+)$`, 'mi').exec(raw)?.[1]?.trim();
}

async function newDatabase(): Promise<{ url: string; pool: Pool }> {
  const url = await createTestDatabase('delivery');
  await migrate(url);
  return { url, pool: new Pool({ connectionString: url, max: 4 }) };
}

describe('email delivery through a real SMTP server, with the worker SIGKILLed', () => {
  let smtp: TestSmtpServer;
  let pool: Pool;
  let child: DeliveryChild | undefined;

  afterAll(async () => {
    await killIfRunning(child);
    await smtp?.stop();
    await pool?.end();
  });

  it('delivers every email exactly once with its PDF, across a kill before the server accepted one', async () => {
    const root = join(process.env.RATEL_TEST_ROOT ?? tmpdir(), uniqueId('delivery'));
    const documents = join(root, 'documents');
    mkdirSync(documents, { recursive: true });
    smtp = await startTestSmtpServer(join(root, 'mail'));
    const db = await newDatabase();
    pool = db.pool;
    const store = new PgDeliveryStore(pool, systemClock);

    const pdfs = new Map<string, Buffer>();
    for (let i = 1; i <= 4; i++) {
      const docId = `INV-2026-${String(i).padStart(6, '0')}`;
      const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(3000), Buffer.from('\n%%EOF\n')]);
      writeFileSync(join(documents, `${docId}.pdf`), pdf);
      pdfs.set(`${docId}:EMAIL`, pdf);
      await store.enqueue({
        subjectKind: 'DOCUMENT',
        subjectId: docId,
        channel: 'EMAIL',
        recipient: `customer${i}@example.org`,
        payload: {
          subject: `Invoice ${docId}`,
          text: `Your invoice ${docId} is attached.`,
          attachmentKey: `${docId}.pdf`,
          attachmentName: `${docId}.pdf`,
        },
      });
    }
    const env = {
      DATABASE_URL: db.url,
      NATS_URL: '',
      DELIVERY_SMTP_URL: smtp.url,
      DELIVERY_SMS_GATEWAY_URL: '',
      DELIVERY_DOCUMENTS_DIR: documents,
      DELIVERY_LEASE_MS: String(LEASE_MS),
      DELIVERY_IDLE_POLL_MS: '100',
    };
    const statuses = async () =>
      (await pool.query(`select idempotency_key as key, status, attempts, sending_at from delivery order by idempotency_key`))
        .rows as Array<{
        key: string;
        status: string;
        attempts: number;
        sending_at: Date | null;
      }>;

    smtp.holdAfter(2);
    child = await startDeliveryProcess(env);
    await waitFor('the SMTP server to hold the third message', () => smtp.holding(), PROCESS_WAIT_MS, 50);
    child.child.kill('SIGKILL');
    await child.exited;
    await waitFor('the SMTP server to discard the held message', () => smtp.output().includes('discarded a held message'), PROCESS_WAIT_MS);

    // Two accepted and SENT; the third recorded as sending and left in doubt; nothing accepted twice.
    const afterKill = await statuses();
    expect(smtp.received().length).toBe(2);
    expect(afterKill.filter((r) => r.status === 'SENT').length).toBe(2);
    const inDoubt = afterKill.filter((r) => r.status === 'PENDING' && r.sending_at !== null);
    expect(inDoubt.length).toBe(1);

    smtp.release();
    child = await startDeliveryProcess(env);
    await waitFor('every email SENT', async () => (await statuses()).every((r) => r.status === 'SENT'), PROCESS_WAIT_MS, 100);

    const received = smtp.received();
    const keys = received.map((raw) => header(raw, DELIVERY_KEY_HEADER));
    expect([...keys].sort()).toEqual([...pdfs.keys()].sort());
    for (const raw of received) {
      const key = header(raw, DELIVERY_KEY_HEADER)!;
      expect(header(raw, 'Message-ID')).toBe(messageIdOf(key, 'ratel.invalid'));
      expect(raw).toMatch(/Content-Type: application\/pdf/i);
      expect(raw.replace(/\r?\n/g, '')).toContain(pdfs.get(key)!.toString('base64'));
    }
    const final = await statuses();
    expect(final.find((r) => r.key === inDoubt[0].key)).toMatchObject({ status: 'SENT', attempts: 2, sending_at: null });

    child.child.kill('SIGTERM');
    expect(await child.exited).toBe(0);
  });
});

describe('SMS through the fake gateway process', () => {
  let gateway: FakeSmsGateway;
  let pool: Pool;
  const clock = new FakeClock(Date.UTC(2026, 11, 3, 9));

  beforeAll(async () => {
    gateway = await startFakeSmsGateway();
    pool = (await newDatabase()).pool;
  });
  afterAll(async () => {
    await gateway?.stop();
    await pool?.end();
  });

  it('retries after a gateway failure, after the back-off, and sends once', async () => {
    const store = new PgDeliveryStore(pool, clock);
    const worker = new DeliveryWorker({
      store,
      senders: { SMS: new SmsSender({ url: gateway.url, from: 'Ratel' }) },
      owner: 'w1',
      leaseMs: LEASE_MS,
      logger: quiet,
    });
    const { delivery } = await store.enqueue({
      subjectKind: 'NOTIFICATION',
      subjectId: 'n-retry',
      channel: 'SMS',
      recipient: '33611111111',
      payload: { text: 'first' },
    });
    await gateway.failNext(1);
    await worker.runOnce();
    expect(await store.get(delivery.id)).toMatchObject({ status: 'PENDING', attempts: 1, lastError: expect.stringContaining('HTTP 503') });
    expect(await gateway.messages()).toEqual({ messages: [], requests: 1 });
    expect(await worker.runOnce()).toBe(0); // not due before the back-off
    clock.advance(DELIVERY_BACKOFF.initialMs);
    await worker.runOnce();
    expect(await store.get(delivery.id)).toMatchObject({ status: 'SENT', attempts: 2, providerMessageId: 'sms-1' });
    const { messages, requests } = await gateway.messages();
    expect(requests).toBe(2);
    expect(messages).toEqual([expect.objectContaining({ id: 'sms-1', idempotencyKey: 'n-retry:SMS', to: '33611111111', text: 'first' })]);
  });

  it('resends a send whose outcome a crash lost with the same key, and the gateway keeps one message', async () => {
    const store = new PgDeliveryStore(pool, clock);
    const sender = new SmsSender({ url: gateway.url, from: 'Ratel' });
    const { delivery } = await store.enqueue({
      subjectKind: 'NOTIFICATION',
      subjectId: 'n-crash',
      channel: 'SMS',
      recipient: '33622222222',
      payload: { text: 'once' },
    });
    // A worker claims, records the send, the gateway accepts it, and the worker dies before recording SENT.
    await store.claim({ owner: 'dead', leaseMs: LEASE_MS, limit: 1 });
    await store.beginSend({ id: delivery.id, owner: 'dead', leaseMs: LEASE_MS });
    await sender.send({ idempotencyKey: delivery.idempotencyKey, recipient: delivery.recipient, payload: delivery.payload });
    clock.advance(LEASE_MS + 1);
    await new DeliveryWorker({ store, senders: { SMS: sender }, owner: 'w2', leaseMs: LEASE_MS, logger: quiet }).runOnce();
    expect(await store.get(delivery.id)).toMatchObject({ status: 'SENT', attempts: 2 });
    const mine = (await gateway.messages()).messages.filter((m) => m.idempotencyKey === 'n-crash:SMS');
    expect(mine.length).toBe(1);
  });
});

describe('subscriber notifications from NATS', () => {
  let gateway: FakeSmsGateway;
  let pool: Pool;
  let nc: NatsConnection;
  let child: DeliveryChild | undefined;

  afterAll(async () => {
    await killIfRunning(child);
    await nc?.close();
    await gateway?.stop();
    await pool?.end();
  });

  it('turns a notification into exactly one SMS to the prepaid subscriber, in its language', async () => {
    gateway = await startFakeSmsGateway();
    const db = await newDatabase();
    pool = db.pool;
    const now = new Date(Date.UTC(2026, 11, 1));
    await pool.query(`insert into customer (id, name, created_at, updated_at) values ('c1', 'Ana', $1, $1)`, [now]);
    await pool.query(`insert into product (id, name, created_at) values ('p1', 'Prepaid', $1)`, [now]);
    await pool.query(
      `insert into price_plan (id, product_id, name, currency, current_version, created_at, updated_at) values ('plan1', 'p1', 'P', 'EUR', 1, $1, $1)`,
      [now],
    );
    await pool.query(
      `insert into billing_account (id, customer_id, type, currency, time_zone, cycle_day, plan_id, created_at, updated_at)
       values ('acc-pre', 'c1', 'PREPAID', 'EUR', 'Europe/Paris', 1, 'plan1', $1, $1)`,
      [now],
    );
    await pool.query(
      `insert into subscription (id, msisdn, imsi, account_id, product_id, created_at) values ('s1', '33698765432', '208011234567890', 'acc-pre', 'p1', $1)`,
      [now],
    );

    const prefix = uniqueId('N');
    const stream = `${prefix}_RATEL_NOTIFY`;
    const root = `${prefix}.ratel.notify.v1`;
    nc = await connect({ servers: requireEnv('NATS_URL') });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [`${root}.>`], storage: StorageType.File, retention: RetentionPolicy.Limits });
    const js = nc.jetstream();
    const notification: Notification = {
      schema: NOTIFICATION_SCHEMA,
      eventId: 'b'.repeat(40),
      type: 'LOW_BALANCE',
      accountId: 'acc-pre',
      thresholdMicros: '5000000',
      balanceAfterMicros: '4500000',
      currency: 'EUR',
      occurredAtMs: now.getTime(),
    };
    const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
    // The same notification twice (a re-publish after JetStream's de-duplication window: another msgID).
    await js.publish(`${root}.acc-pre`, enc(notification), { msgID: 'copy-1' });
    await js.publish(`${root}.acc-pre`, enc(notification), { msgID: 'copy-2' });
    await js.publish(`${root}.acc-unknown`, enc({ ...notification, eventId: 'c'.repeat(40), accountId: 'acc-unknown' }));
    await js.publish(`${root}.acc-pre`, enc({ not: 'a notification' }));

    child = await startDeliveryProcess({
      DATABASE_URL: db.url,
      NATS_URL: requireEnv('NATS_URL'),
      DELIVERY_SMTP_URL: '',
      DELIVERY_SMS_GATEWAY_URL: gateway.url,
      DELIVERY_NOTIFY_STREAM: stream,
      DELIVERY_NOTIFY_CONSUMER: 'delivery',
      DELIVERY_NOTIFY_FILTER_SUBJECT: `${root}.>`,
      DELIVERY_DEFAULT_LANGUAGE: 'fr',
      DELIVERY_IDLE_POLL_MS: '100',
    });
    // Quiescence: every message handled and acknowledged, and no delivery left PENDING.
    await waitFor(
      'the notify consumer to drain',
      async () => {
        const info = await jsm.consumers.info(stream, 'delivery');
        return info.num_pending === 0 && info.num_ack_pending === 0 && info.delivered.stream_seq === 4;
      },
      PROCESS_WAIT_MS,
      100,
    );
    await waitFor(
      'no delivery pending',
      async () => (await pool.query(`select count(*)::int as n from delivery where status = 'PENDING'`)).rows[0].n === 0,
      PROCESS_WAIT_MS,
      100,
    );
    const rows = (await pool.query(`select subject_id, channel, recipient, status from delivery`)).rows;
    expect(rows).toEqual([{ subject_id: notification.eventId, channel: 'SMS', recipient: '33698765432', status: 'SENT' }]);
    const { messages } = await gateway.messages();
    expect(messages.map((m) => ({ to: m.to, text: m.text, key: m.idempotencyKey }))).toEqual([
      {
        to: '33698765432',
        text: 'Votre solde est de 4,50 EUR, au niveau ou en dessous de 5,00 EUR. Rechargez pour continuer à utiliser vos services.',
        key: `${notification.eventId}:SMS`,
      },
    ]);
    child.child.kill('SIGTERM');
    expect(await child.exited).toBe(0);
  });
});

describe("dunning notices from collections' events", () => {
  let smtp: TestSmtpServer;
  let pool: Pool;
  let nc: NatsConnection;
  let child: DeliveryChild | undefined;

  afterAll(async () => {
    await killIfRunning(child);
    await nc?.close();
    await smtp?.stop();
    await pool?.end();
  });

  it('a DUNNING_STEP_TAKEN event becomes one email per notice to the account, rendered exactly; copies and bad messages send nothing more', async () => {
    const root = join(process.env.RATEL_TEST_ROOT ?? tmpdir(), uniqueId('dunning-notices'));
    smtp = await startTestSmtpServer(join(root, 'mail'));
    const db = await newDatabase();
    pool = db.pool;
    const now = new Date(Date.UTC(2026, 11, 1));
    await pool.query(`insert into customer (id, name, created_at, updated_at) values ('c1', 'Ana', $1, $1)`, [now]);
    await pool.query(`insert into product (id, name, created_at) values ('p1', 'Postpaid', $1)`, [now]);
    await pool.query(
      `insert into price_plan (id, product_id, name, currency, current_version, created_at, updated_at) values ('plan1', 'p1', 'P', 'EUR', 1, $1, $1)`,
      [now],
    );
    await pool.query(
      `insert into billing_account (id, customer_id, type, currency, time_zone, cycle_day, plan_id, delivery_email, created_at, updated_at)
       values ('acc-late', 'c1', 'POSTPAID', 'EUR', 'Europe/Paris', 1, 'plan1', 'late@example.org', $1, $1)`,
      [now],
    );
    const prefix = uniqueId('D');
    const stream = `${prefix}_RATEL_COLLECTIONS`;
    const subjectRoot = `${prefix}.ratel.collections.v1`;
    nc = await connect({ servers: requireEnv('NATS_URL') });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [`${subjectRoot}.>`], storage: StorageType.File, retention: RetentionPolicy.Limits });
    await jsm.streams.add({ name: `${prefix}_NOTIFY`, subjects: [`${prefix}.ratel.notify.v1.>`], storage: StorageType.Memory });
    const js = nc.jetstream();
    const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
    // As collections writes it: a warning (SMS and EMAIL; the account has no SMS number) and a reminder.
    const warning = collectionsEvent(
      {
        type: 'DUNNING_STEP_TAKEN',
        accountId: 'acc-late',
        caseId: 'dc-1',
        stepNo: 2,
        action: 'WARNING_SMS_EMAIL',
        currency: 'EUR',
        overdueMinor: '12345',
        oldestDueDate: '2026-11-15',
        takenOn: '2026-11-25',
        notices: [
          { channel: 'SMS', template: 'WARNING' },
          { channel: 'EMAIL', template: 'WARNING' },
        ],
      },
      'dc-1|2',
      now,
    );
    await js.publish(`${subjectRoot}.dunning-step.acc-late`, enc(warning.payload), { msgID: 'copy-1' });
    await js.publish(`${subjectRoot}.dunning-step.acc-late`, enc(warning.payload), { msgID: 'copy-2' });
    await js.publish(
      `${subjectRoot}.dunning-step.acc-late`,
      enc({ ...warning.payload, notices: [{ channel: 'FAX', template: 'WARNING' }] }),
    );
    child = await startDeliveryProcess({
      DATABASE_URL: db.url,
      NATS_URL: requireEnv('NATS_URL'),
      DELIVERY_SMTP_URL: smtp.url,
      DELIVERY_SMS_GATEWAY_URL: '',
      DELIVERY_NOTIFY_STREAM: `${prefix}_NOTIFY`,
      DELIVERY_NOTIFY_CONSUMER: 'notify',
      DELIVERY_NOTIFY_FILTER_SUBJECT: `${prefix}.ratel.notify.v1.>`,
      DELIVERY_DUNNING_STREAM: stream,
      DELIVERY_DUNNING_CONSUMER: 'dunning',
      DELIVERY_DUNNING_FILTER_SUBJECT: `${subjectRoot}.dunning-step.>`,
      DELIVERY_IDLE_POLL_MS: '100',
    });
    await waitFor(
      'the dunning consumer to drain',
      async () => {
        const info = await jsm.consumers.info(stream, 'dunning');
        return info.num_pending === 0 && info.num_ack_pending === 0 && info.delivered.stream_seq === 3;
      },
      PROCESS_WAIT_MS,
      100,
    );
    await waitFor('the email sent', () => smtp.received().length >= 1, PROCESS_WAIT_MS, 100);
    await waitFor(
      'no delivery pending',
      async () => (await pool.query(`select count(*)::int as n from delivery where status = 'PENDING'`)).rows[0].n === 0,
      PROCESS_WAIT_MS,
      100,
    );
    const rows = (await pool.query(`select subject_kind, subject_id, channel, recipient, status from delivery`)).rows;
    expect(rows).toEqual([
      { subject_kind: 'DUNNING_NOTICE', subject_id: warning.eventId, channel: 'EMAIL', recipient: 'late@example.org', status: 'SENT' },
    ]);
    const mail = smtp.received();
    expect(mail).toHaveLength(1);
    expect(header(mail[0], 'Subject')).toBe('Formal warning: 123.45 EUR overdue');
    expect(mail[0]).toContain('since 2026-11-15');
  });
});
