/**
 * Deliveries against a real PostgreSQL: one row per subject and channel, claims that never overlap,
 * leases taken over, outcomes written only by the lease holder, an attempt recorded before the send
 * (in doubt after a crash), back-off and the last attempt. The senders here are in-test ports (no
 * server is mocked); the SMTP server and SMS gateway processes are in apps/invoicing/test.
 */
import { Pool } from 'pg';
import { migrate } from '@app/db';
import { createTestDatabase, uniqueId } from '@app/devstack';
import { FakeClock, type Logger } from '@app/observability';
import { DELIVERY_ATTEMPTS_MAX } from './delivery-limits';
import { EnqueueDelivery, PgDeliveryStore } from './delivery-store';
import { DeliveryErrorCode } from './delivery-types';
import { DELIVERY_BACKOFF, DeliveryWorker } from './delivery-worker';
import { SendFailure, Sender, SendRequest } from './ports';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined } as unknown as Logger;
const LEASE_MS = 10_000;

class ScriptedSender implements Sender {
  readonly calls: SendRequest[] = [];
  constructor(private readonly outcomes: Array<'ok' | SendFailure> = []) {}
  async send(req: SendRequest) {
    this.calls.push(req);
    const next = this.outcomes.shift() ?? 'ok';
    if (next !== 'ok') throw next;
    return { providerMessageId: `p-${this.calls.length}` };
  }
}

describe('deliveries (PostgreSQL)', () => {
  let pool: Pool;
  const clock = new FakeClock(Date.UTC(2026, 11, 3, 8));
  let store: PgDeliveryStore;

  beforeAll(async () => {
    const url = await createTestDatabase('deliv');
    await migrate(url);
    pool = new Pool({ connectionString: url, max: 8 });
    store = new PgDeliveryStore(pool, clock);
  });
  afterAll(async () => {
    await pool?.end();
  });
  // Each test works on its own rows: leave nothing due for the next one.
  afterEach(async () => {
    await pool.query(`update delivery set status = 'FAILED' where status = 'PENDING'`);
  });

  const sms = (over: Partial<EnqueueDelivery> = {}): EnqueueDelivery => ({
    subjectKind: 'NOTIFICATION',
    subjectId: uniqueId('n'),
    channel: 'SMS',
    recipient: '33612345678',
    payload: { text: 'hello' },
    ...over,
  });

  it('keeps one row per subject and channel: a second enqueue returns the first and changes nothing', async () => {
    const d = sms();
    const first = await store.enqueue(d);
    const again = await store.enqueue({ ...d, payload: { text: 'other text' } });
    expect(first.created).toBe(true);
    expect(again).toEqual({ created: false, delivery: first.delivery });
    expect(first.delivery).toMatchObject({ status: 'PENDING', attempts: 0, idempotencyKey: `${d.subjectId}:SMS`, sendingAt: null });
    const other = await store.enqueue({ ...d, channel: 'EMAIL', recipient: 'a@example.org' });
    expect(other.created).toBe(true);
    expect((await store.findBySubject(d.subjectId)).map((r) => r.channel)).toEqual(['EMAIL', 'SMS']);
  });

  it.each([
    [{ recipient: '' }, 'recipient', DeliveryErrorCode.INVALID_ARGUMENT],
    [{ subjectId: 'has space' }, 'subjectId', DeliveryErrorCode.INVALID_ARGUMENT],
    [{ channel: 'FAX' }, 'channel', DeliveryErrorCode.INVALID_ARGUMENT],
    [{ subjectKind: 'OTHER' }, 'subjectKind', DeliveryErrorCode.INVALID_ARGUMENT],
  ])('refuses %p (%s) and writes nothing', async (over, parameter, code) => {
    const d = sms(over as Partial<EnqueueDelivery>);
    await expect(store.enqueue(d)).rejects.toMatchObject({ code, parameter });
    expect(await store.findBySubject(d.subjectId)).toEqual([]);
  });

  it('refuses to re-address an enqueued delivery', async () => {
    const d = sms();
    await store.enqueue(d);
    await expect(store.enqueue({ ...d, recipient: '33600000000' })).rejects.toMatchObject({ code: DeliveryErrorCode.CONFLICTING_DELIVERY });
    expect((await store.findBySubject(d.subjectId))[0].recipient).toBe(d.recipient);
  });

  it('gives each due row to one claimer only, however many claim at once', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 12; i++) ids.add((await store.enqueue(sms())).delivery.id);
    const claims = await Promise.all(Array.from({ length: 6 }, (_, i) => store.claim({ owner: `w${i}`, leaseMs: LEASE_MS, limit: 3 })));
    const got = claims.flat().map((d) => d.id);
    expect(new Set(got).size).toBe(got.length);
    expect(new Set(got)).toEqual(ids);
  });

  it('hands a row whose lease ran out to another worker; the first can then neither begin nor record an outcome', async () => {
    const { delivery } = await store.enqueue(sms());
    expect((await store.claim({ owner: 'a', leaseMs: LEASE_MS, limit: 20 })).map((d) => d.id)).toEqual([delivery.id]);
    expect(await store.claim({ owner: 'b', leaseMs: LEASE_MS, limit: 20 })).toEqual([]);
    clock.advance(LEASE_MS + 1);
    expect((await store.claim({ owner: 'b', leaseMs: LEASE_MS, limit: 20 })).map((d) => d.id)).toEqual([delivery.id]);
    expect(await store.beginSend({ id: delivery.id, owner: 'a', leaseMs: LEASE_MS })).toBeNull();
    expect(await store.markSent({ id: delivery.id, owner: 'a', providerMessageId: 'x' })).toBe(false);
    expect(await store.beginSend({ id: delivery.id, owner: 'b', leaseMs: LEASE_MS })).toMatchObject({
      inDoubt: false,
      delivery: { attempts: 1 },
    });
    expect(await store.markSent({ id: delivery.id, owner: 'b', providerMessageId: 'y' })).toBe(true);
    expect(await store.get(delivery.id)).toMatchObject({ status: 'SENT', providerMessageId: 'y', sendingAt: null, leaseOwner: null });
  });

  it('renews the lease when the send begins, so a slow batch never loses the row it is sending', async () => {
    const { delivery } = await store.enqueue(sms());
    await store.claim({ owner: 'slow', leaseMs: LEASE_MS, limit: 20 });
    clock.advance(LEASE_MS - 1);
    expect(await store.beginSend({ id: delivery.id, owner: 'slow', leaseMs: LEASE_MS })).not.toBeNull();
    clock.advance(2);
    expect(await store.claim({ owner: 'other', leaseMs: LEASE_MS, limit: 20 })).toEqual([]);
    expect(await store.markSent({ id: delivery.id, owner: 'slow', providerMessageId: 'p' })).toBe(true);
  });

  it('a row whose worker died after recording the send is in doubt for the next worker, which resends it with the same key', async () => {
    const { delivery } = await store.enqueue(sms());
    await store.claim({ owner: 'dead', leaseMs: LEASE_MS, limit: 20 });
    expect(await store.beginSend({ id: delivery.id, owner: 'dead', leaseMs: LEASE_MS })).toMatchObject({ inDoubt: false });
    clock.advance(LEASE_MS + 1);
    const sender = new ScriptedSender();
    await new DeliveryWorker({ store, senders: { SMS: sender }, owner: 'next', leaseMs: LEASE_MS, logger: quiet }).runOnce();
    expect(sender.calls.map((c) => c.idempotencyKey)).toEqual([delivery.idempotencyKey]);
    expect(await store.get(delivery.id)).toMatchObject({ status: 'SENT', attempts: 2 });
  });

  it('HOLD: an in-doubt email is FAILED for an operator, never sent again', async () => {
    const { delivery } = await store.enqueue(sms({ channel: 'EMAIL', recipient: 'x@example.org' }));
    await store.claim({ owner: 'dead', leaseMs: LEASE_MS, limit: 20 });
    await store.beginSend({ id: delivery.id, owner: 'dead', leaseMs: LEASE_MS });
    clock.advance(LEASE_MS + 1);
    const sender = new ScriptedSender();
    await new DeliveryWorker({
      store,
      senders: { EMAIL: sender },
      owner: 'n',
      leaseMs: LEASE_MS,
      logger: quiet,
      inDoubtEmail: 'HOLD',
    }).runOnce();
    expect(sender.calls).toEqual([]);
    expect(await store.get(delivery.id)).toMatchObject({ status: 'FAILED', lastError: expect.stringContaining('in doubt') });
  });

  it('retries a transient failure after the back-off, and not before', async () => {
    const { delivery } = await store.enqueue(sms());
    const sender = new ScriptedSender([new SendFailure('TRANSIENT', 'HTTP 503')]);
    const worker = new DeliveryWorker({ store, senders: { SMS: sender }, owner: 'w', leaseMs: LEASE_MS, logger: quiet });
    expect(await worker.runOnce()).toBe(1);
    expect(await store.get(delivery.id)).toMatchObject({ status: 'PENDING', attempts: 1, lastError: 'HTTP 503', sendingAt: null });
    clock.advance(DELIVERY_BACKOFF.initialMs - 1);
    expect(await worker.runOnce()).toBe(0);
    clock.advance(1);
    expect(await worker.runOnce()).toBe(1);
    expect(await store.get(delivery.id)).toMatchObject({ status: 'SENT', attempts: 2, lastError: null });
    expect(sender.calls.length).toBe(2);
  });

  it(`is FAILED after ${DELIVERY_ATTEMPTS_MAX} transient failures; a bounce ends it at once`, async () => {
    const always = new SendFailure('TRANSIENT', 'down');
    const failing = await store.enqueue(sms());
    const sender = new ScriptedSender(Array(DELIVERY_ATTEMPTS_MAX).fill(always));
    const worker = new DeliveryWorker({ store, senders: { SMS: sender }, owner: 'w', leaseMs: LEASE_MS, logger: quiet });
    for (let i = 0; i < DELIVERY_ATTEMPTS_MAX; i++) {
      expect(await worker.runOnce()).toBe(1);
      clock.advance(DELIVERY_BACKOFF.maxMs);
    }
    expect(await worker.runOnce()).toBe(0);
    expect(await store.get(failing.delivery.id)).toMatchObject({ status: 'FAILED', attempts: DELIVERY_ATTEMPTS_MAX });

    const bounced = await store.enqueue(sms());
    await new DeliveryWorker({
      store,
      senders: { SMS: new ScriptedSender([new SendFailure('BOUNCED', '550 no such user')]) },
      owner: 'w',
      leaseMs: LEASE_MS,
      logger: quiet,
    }).runOnce();
    expect(await store.get(bounced.delivery.id)).toMatchObject({ status: 'BOUNCED', attempts: 1 });
  });

  it('works only on the channels it has a sender for', async () => {
    const email = await store.enqueue(sms({ channel: 'EMAIL', recipient: 'a@example.org' }));
    const sender = new ScriptedSender();
    expect(await new DeliveryWorker({ store, senders: { SMS: sender }, owner: 'w', leaseMs: LEASE_MS, logger: quiet }).runOnce()).toBe(0);
    expect(await store.get(email.delivery.id)).toMatchObject({ status: 'PENDING', leaseOwner: null });
  });
});
