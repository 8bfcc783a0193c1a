/**
 * ChargeBatch / ChargeStream end to end on the test Redis: items run as their unary RPCs do.
 * Demo prepaid plan: SMS (RG 30) at 0.05 EUR.
 */
import { status as Status } from '@grpc/grpc-js';
import {
  ChargeBatchRequest,
  ChargeItem,
  ChargeItemResult,
  ChargingServiceClient,
  DebitEventRequest,
  GetBalanceRequest,
  ResultCode,
  StartSessionRequest,
  TerminateSessionRequest,
  UnitType,
  UpdateSessionRequest,
} from '@app/proto';
import { uniqueId } from '@app/devstack';
import { parseOutboxData } from '@app/events';
import type Redis from 'ioredis';
import { REDIS } from '../src/infra/redis';
import { outboxEventJson } from '../src/balance/outbox-entry';
import { RedisBalanceEngine } from '../src/balance/redis-balance-engine';
import { CHARGE_BATCH_BYTES_MAX, CHARGE_BATCH_ITEMS_MAX, CHARGE_STREAM_ITEM_BYTES_MAX } from '../src/charging/charging.limits';
import { call, ChargingApp, chargingClient, EUR, failure, provisionSubscriber, startChargingApp } from './grpc-e2e.helpers';
import { streamed } from './system.helpers';

const SMS = 30;
const MB = 1_048_576n;
const SMS_PRICE = EUR / 20n;

let env: ChargingApp;
let client: ChargingServiceClient;

beforeAll(async () => {
  env = await startChargingApp();
  client = chargingClient(env.address);
});

afterAll(async () => {
  client?.close();
  await env?.close();
});

const debit = (msisdn: string, requestId: string, calledNumber = '33612345678') =>
  DebitEventRequest.fromPartial({
    requestId,
    subscriber: { msisdn },
    calledNumber,
    service: { ratingGroup: SMS, serviceId: 0, units: 1n },
  });
const item = (correlationId: string, debitEvent: DebitEventRequest): ChargeItem => ({ correlationId, debitEvent });
const batch = (items: ChargeItem[]) => call(client, client.chargeBatch, ChargeBatchRequest.fromPartial({ items }));
const balanceOf = (msisdn: string) => call(client, client.getBalance, GetBalanceRequest.fromPartial({ subscriber: { msisdn } }));

/** A stream's deadline here: a thousand items on a busy CI box. */
const STREAM_DEADLINE_MS = 60_000;
/** Sends items over one ChargeStream and collects the answers in the order received. */
const streamedItems = async (items: ChargeItem[]) => (await streamed<ChargeItemResult>(client, items, STREAM_DEADLINE_MS)).results;

/** The notification types of an account's outbox (the app's relay is off: nothing drains it). */
async function notificationsOf(accountId: string): Promise<string[]> {
  const key = (env.engine as RedisBalanceEngine).keys.account(accountId).outbox;
  const entries = await env.app.get<Redis>(REDIS).xrange(key, '-', '+');
  return entries
    .map(([, fields]) => parseOutboxData(outboxEventJson(fields)))
    .filter((d) => d.schema === 'ratel.notification.v1' && d.accountId === accountId)
    .map((d) => (d as { type: string }).type);
}

describe('ChargeBatch', () => {
  it('1,000 concurrent items over batches against a balance for exactly 137: 137 granted, balance 0, nothing reserved', async () => {
    const { msisdn } = await provisionSubscriber(env.engine, 137n * SMS_PRICE);
    const prefix = uniqueId('b');
    const items = Array.from({ length: 1000 }, (_, i) => item(`c${i}`, debit(msisdn, `${prefix}-${i}`)));
    const batches: ChargeItem[][] = [];
    for (let i = 0; i < items.length; i += CHARGE_BATCH_ITEMS_MAX) batches.push(items.slice(i, i + CHARGE_BATCH_ITEMS_MAX));
    const answers = await Promise.all(batches.map(batch));
    const results = answers.flatMap((a) => a.results);
    expect(results.map((r) => r.correlationId)).toEqual(items.map((i) => i.correlationId));
    const codes = results.map((r) => r.debitEvent?.resultCode);
    expect(codes.filter((c) => c === ResultCode.SUCCESS)).toHaveLength(137);
    expect(codes.filter((c) => c === ResultCode.CREDIT_LIMIT_REACHED)).toHaveLength(863);
    const balance = await balanceOf(msisdn);
    expect(balance.balance?.amountMicros).toBe(0n);
    expect(balance.reserved?.amountMicros ?? 0n).toBe(0n);
  });

  it('replays a batch byte-identical item by item; same id with other content is refused for that item alone', async () => {
    const { msisdn } = await provisionSubscriber(env.engine, 10n * EUR);
    const ids = [uniqueId('r'), uniqueId('r'), uniqueId('r')];
    const items = ids.map((id, i) => item(`c${i}`, debit(msisdn, id)));
    const first = await batch(items);
    const again = await batch(items);
    for (let i = 0; i < items.length; i++) {
      expect(Buffer.from(ChargeItemResult.encode(again.results[i]).finish())).toEqual(
        Buffer.from(ChargeItemResult.encode(first.results[i]).finish()),
      );
    }
    const changed = await batch([item('x', debit(msisdn, ids[0], '33699999999')), item('y', debit(msisdn, uniqueId('r')))]);
    expect(changed.results[0].status?.code).toBe(Status.ALREADY_EXISTS);
    expect(changed.results[1].debitEvent?.resultCode).toBe(ResultCode.SUCCESS);
    expect((await balanceOf(msisdn)).balance?.amountMicros).toBe(10n * EUR - 4n * SMS_PRICE);
  });

  it('one bad item among good ones fails alone, naming items[i].field', async () => {
    const { msisdn } = await provisionSubscriber(env.engine, 10n * EUR);
    const bad = debit(msisdn, '');
    const res = await batch([
      item('a', debit(msisdn, uniqueId('g'))),
      item('b', bad),
      item('c', { ...bad, requestId: uniqueId('g') }),
      { correlationId: 'd' },
    ]);
    expect(res.results[0].debitEvent?.resultCode).toBe(ResultCode.SUCCESS);
    expect(res.results[1].status).toMatchObject({ code: Status.INVALID_ARGUMENT, field: 'items[1].debit_event.request_id' });
    expect(res.results[2].debitEvent?.resultCode).toBe(ResultCode.SUCCESS);
    expect(res.results[3].status).toMatchObject({ code: Status.INVALID_ARGUMENT, field: 'items[3].request' });
    expect((await balanceOf(msisdn)).balance?.amountMicros).toBe(10n * EUR - 2n * SMS_PRICE);
  });

  it.each([
    ['empty', () => [] as ChargeItem[]],
    ['too many items', (m: string) => Array.from({ length: CHARGE_BATCH_ITEMS_MAX + 1 }, (_, i) => item(`c${i}`, debit(m, uniqueId('t'))))],
    ['duplicate correlation ids', (m: string) => [item('same', debit(m, uniqueId('t'))), item('same', debit(m, uniqueId('t')))]],
    ['oversized', (m: string) => [item('big', debit(m, uniqueId('t'), '3'.repeat(CHARGE_BATCH_BYTES_MAX)))]],
  ])('refuses a batch that is %s whole, nothing applied', async (_name, items) => {
    const { msisdn } = await provisionSubscriber(env.engine, 10n * EUR);
    const err = await failure(batch(items(msisdn)));
    expect(err.code).toBe(Status.INVALID_ARGUMENT);
    expect((await balanceOf(msisdn)).balance?.amountMicros).toBe(10n * EUR);
  });
});

describe('invariants through both modes', () => {
  const sendAll = {
    batch: async (items: ChargeItem[]) => {
      const batches: ChargeItem[][] = [];
      for (let i = 0; i < items.length; i += CHARGE_BATCH_ITEMS_MAX) batches.push(items.slice(i, i + CHARGE_BATCH_ITEMS_MAX));
      return (await Promise.all(batches.map(batch))).flatMap((a) => a.results);
    },
    stream: streamedItems,
  };

  it.each(['batch', 'stream'] as const)('%s: 1,000 items against a balance for exactly 137: 137 granted, balance 0', async (mode) => {
    const { msisdn } = await provisionSubscriber(env.engine, 137n * SMS_PRICE);
    const prefix = uniqueId(mode);
    const items = Array.from({ length: 1000 }, (_, i) => item(`c${i}`, debit(msisdn, `${prefix}-${i}`)));
    const results = await sendAll[mode](items);
    expect(results.map((r) => r.correlationId)).toEqual(items.map((i) => i.correlationId));
    const codes = results.map((r) => r.debitEvent?.resultCode);
    expect(codes.filter((c) => c === ResultCode.SUCCESS)).toHaveLength(137);
    expect(codes.filter((c) => c === ResultCode.CREDIT_LIMIT_REACHED)).toHaveLength(863);
    expect((await balanceOf(msisdn)).balance?.amountMicros).toBe(0n);
  });

  it.each(['batch', 'stream'] as const)(
    '%s: 1,000 concurrent session STARTs against a balance for exactly 137: 137 granted; after TERMINATE balance 0, nothing reserved',
    async (mode) => {
      const data = (requestedUnits: bigint, usedUnits: bigint) => [{ ratingGroup: 20, requestedUnits, usedUnits, unit: UnitType.BYTES }];
      // What one grant of 1 MB reserves on the demo plan (data in 1 MB blocks, its first tier up to 1 GB: 137 MB stay in it),
      // read from a probe account rather than restated here.
      const probe = await provisionSubscriber(env.engine, 10n * EUR);
      const probed = await sendAll[mode]([
        {
          correlationId: 'p',
          start: StartSessionRequest.fromPartial({
            sessionId: uniqueId('probe'),
            requestNumber: 0,
            subscriber: { msisdn: probe.msisdn },
            services: data(MB, 0n),
          }),
        },
      ]);
      const grant = probed[0].start!.services[0].grantedUnits;
      const perGrant = (await balanceOf(probe.msisdn)).reserved!.amountMicros;
      expect([grant, perGrant > 0n]).toEqual([MB, true]);

      const { msisdn, accountId } = await provisionSubscriber(env.engine, 137n * perGrant);
      const subscriber = { msisdn };
      const sessions = Array.from({ length: 1000 }, () => uniqueId(`${mode}-s`));
      const starts = await sendAll[mode](
        sessions.map((sessionId, i) => ({
          correlationId: `s${i}`,
          start: StartSessionRequest.fromPartial({ sessionId, requestNumber: 0, subscriber, services: data(MB, 0n) }),
        })),
      );
      expect(starts.map((r) => r.correlationId)).toEqual(sessions.map((_, i) => `s${i}`));
      const granted = starts.map((r) => r.start?.services[0]?.grantedUnits ?? 0n);
      expect(granted.filter((g) => g === grant)).toHaveLength(137);
      expect(granted.filter((g) => g === 0n)).toHaveLength(863);
      expect(starts.filter((r) => r.start?.resultCode === ResultCode.CREDIT_LIMIT_REACHED)).toHaveLength(863);
      const held = await balanceOf(msisdn);
      expect([held.balance?.amountMicros, held.reserved?.amountMicros]).toEqual([137n * perGrant, 137n * perGrant]);

      // Every session ends, each using all it was granted (nothing for the refused ones).
      const ends = await sendAll[mode](
        sessions.map((sessionId, i) => ({
          correlationId: `t${i}`,
          terminate: TerminateSessionRequest.fromPartial({ sessionId, requestNumber: 1, subscriber, services: data(0n, granted[i]) }),
        })),
      );
      expect(ends.every((r) => r.terminate?.resultCode === ResultCode.SUCCESS)).toBe(true);
      const after = await balanceOf(msisdn);
      expect([after.balance?.amountMicros, after.reserved?.amountMicros ?? 0n]).toEqual([0n, 0n]);
      expect(await notificationsOf(accountId)).toEqual(['BALANCE_EXHAUSTED']);
    },
  );

  it.each(['batch', 'stream'] as const)(
    '%s: a request number below the last one is refused for its item alone; the newest answer still replays',
    async (mode) => {
      const { msisdn } = await provisionSubscriber(env.engine, 10n * EUR);
      const sessionId = uniqueId('seq');
      const subscriber = { msisdn };
      const services = (used: bigint) => [{ ratingGroup: 20, requestedUnits: MB, usedUnits: used, unit: UnitType.BYTES }];
      const update = (requestNumber: number) => ({
        correlationId: `u${requestNumber}`,
        update: UpdateSessionRequest.fromPartial({ sessionId, requestNumber, subscriber, services: services(MB) }),
      });
      const first = await sendAll[mode]([
        { correlationId: 's', start: StartSessionRequest.fromPartial({ sessionId, requestNumber: 0, subscriber, services: services(0n) }) },
        update(5),
      ]);
      expect([first[0].start?.resultCode, first[1].update?.resultCode]).toEqual([ResultCode.SUCCESS, ResultCode.SUCCESS]);
      const before = await balanceOf(msisdn);
      const late = await sendAll[mode]([update(3), update(5), item('d', debit(msisdn, uniqueId('seq')))]);
      expect(late[0].status).toMatchObject({ code: Status.FAILED_PRECONDITION });
      expect(Buffer.from(ChargeItemResult.encode({ ...late[1], correlationId: 'u5' }).finish())).toEqual(
        Buffer.from(ChargeItemResult.encode(first[1]).finish()),
      );
      expect(late[2].debitEvent?.resultCode).toBe(ResultCode.SUCCESS);
      const after = await balanceOf(msisdn);
      expect([after.balance?.amountMicros, after.reserved?.amountMicros]).toEqual([
        before.balance!.amountMicros - SMS_PRICE,
        before.reserved?.amountMicros,
      ]);
    },
  );

  it.each(['batch', 'stream'] as const)(
    '%s: a replay answers byte-identical item by item; other content is refused alone',
    async (mode) => {
      const { msisdn } = await provisionSubscriber(env.engine, 10n * EUR);
      const ids = [uniqueId('r'), uniqueId('r'), uniqueId('r')];
      const items = ids.map((id, i) => item(`c${i}`, debit(msisdn, id)));
      const first = await sendAll[mode](items);
      const again = await sendAll[mode](items);
      expect(again.map((r) => Buffer.from(ChargeItemResult.encode(r).finish()))).toEqual(
        first.map((r) => Buffer.from(ChargeItemResult.encode(r).finish())),
      );
      const changed = await sendAll[mode]([item('x', debit(msisdn, ids[0], '33699999999')), item('y', debit(msisdn, uniqueId('r')))]);
      expect(changed[0].status?.code).toBe(Status.ALREADY_EXISTS);
      expect(changed[1].debitEvent?.resultCode).toBe(ResultCode.SUCCESS);
      expect((await balanceOf(msisdn)).balance?.amountMicros).toBe(10n * EUR - 4n * SMS_PRICE);
    },
  );

  it.each(['batch', 'stream'] as const)(
    '%s: runs the items of one session in the order sent: start, update, terminate at once, nothing left reserved',
    async (mode) => {
      const { msisdn } = await provisionSubscriber(env.engine, 10n * EUR);
      const sessionId = uniqueId('sess');
      const subscriber = { msisdn };
      const results = await sendAll[mode]([
        {
          correlationId: 'a',
          start: StartSessionRequest.fromPartial({
            sessionId,
            requestNumber: 0,
            subscriber,
            services: [{ ratingGroup: 20, requestedUnits: 10n * MB, unit: UnitType.BYTES }],
          }),
        },
        {
          correlationId: 'b',
          update: UpdateSessionRequest.fromPartial({
            sessionId,
            requestNumber: 1,
            subscriber,
            services: [{ ratingGroup: 20, usedUnits: 5n * MB, requestedUnits: 10n * MB, unit: UnitType.BYTES }],
          }),
        },
        {
          correlationId: 'c',
          terminate: TerminateSessionRequest.fromPartial({
            sessionId,
            requestNumber: 2,
            subscriber,
            services: [{ ratingGroup: 20, usedUnits: 3n * MB }],
          }),
        },
      ]);
      expect([results[0].start?.resultCode, results[1].update?.resultCode, results[2].terminate?.resultCode]).toEqual([
        ResultCode.SUCCESS,
        ResultCode.SUCCESS,
        ResultCode.SUCCESS,
      ]);
      const balance = await balanceOf(msisdn);
      expect(balance.reserved?.amountMicros ?? 0n).toBe(0n);
      expect(balance.balance?.amountMicros).toBe(10n * EUR - 8n * (EUR / 100n));
    },
  );

  it.each(['batch', 'stream'] as const)(
    '%s: one notification per threshold crossing, however many items cross it at once',
    async (mode) => {
      const { msisdn, accountId } = await provisionSubscriber(env.engine, 2n * EUR, Date.now(), { thresholdsMicros: [EUR] });
      const prefix = uniqueId(mode);
      // 60 SMS at 0.05 EUR against 2 EUR: 40 pass, crossing 1 EUR once and reaching 0 once.
      const results = await sendAll[mode](Array.from({ length: 60 }, (_, i) => item(`c${i}`, debit(msisdn, `${prefix}-${i}`))));
      expect(results.filter((r) => r.debitEvent?.resultCode === ResultCode.SUCCESS)).toHaveLength(40);
      expect((await notificationsOf(accountId)).sort()).toEqual(['BALANCE_EXHAUSTED', 'LOW_BALANCE']);
    },
  );
});

describe('ChargeStream', () => {
  it('answers every item in the order sent', async () => {
    const { msisdn } = await provisionSubscriber(env.engine, 100n * EUR);
    const n = 200; // more than CHARGE_STREAM_IN_FLIGHT_MAX: reading pauses and resumes
    const got = await streamedItems(Array.from({ length: n }, (_, i) => item(`s${i}`, debit(msisdn, uniqueId('s')))));
    expect(got.map((r) => r.correlationId)).toEqual(Array.from({ length: n }, (_, i) => `s${i}`));
    expect(got.every((r) => r.debitEvent?.resultCode === ResultCode.SUCCESS)).toBe(true);
    expect((await balanceOf(msisdn)).balance?.amountMicros).toBe(100n * EUR - BigInt(n) * SMS_PRICE);
  });

  it('refuses an item alone when its correlation id is empty or it is oversized; the items around it are applied', async () => {
    const { msisdn } = await provisionSubscriber(env.engine, 10n * EUR);
    const got = await streamedItems([
      item('a', debit(msisdn, uniqueId('s'))),
      item('', debit(msisdn, uniqueId('s'))),
      item('big', debit(msisdn, uniqueId('s'), '3'.repeat(CHARGE_STREAM_ITEM_BYTES_MAX))),
      item('b', debit(msisdn, uniqueId('s'))),
    ]);
    expect(got.map((r) => [r.correlationId, r.status?.code ?? r.debitEvent?.resultCode, r.status?.field ?? ''])).toEqual([
      ['a', ResultCode.SUCCESS, ''],
      ['', Status.INVALID_ARGUMENT, 'item.correlation_id'],
      ['big', Status.INVALID_ARGUMENT, 'item'],
      ['b', ResultCode.SUCCESS, ''],
    ]);
    expect(got[2].status?.message).toContain(`more than ${CHARGE_STREAM_ITEM_BYTES_MAX}`);
    expect((await balanceOf(msisdn)).balance?.amountMicros).toBe(10n * EUR - 2n * SMS_PRICE);
  });
});
