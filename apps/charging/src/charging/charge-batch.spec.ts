/**
 * SessionOrder: one session's items one after the other in the order given, other items at once, a failure
 * holding nothing back. runItem: the field a refused item's status names.
 */
import { status as Status } from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { ChargeItem, DebitEventRequest, StartSessionRequest, UpdateSessionRequest } from '@app/proto';
import { RatingError, RatingErrorCode } from '@app/rating';
import { BalanceError, BalanceErrorCode } from '../balance/balance.errors';
import { runItem, SessionOrder } from './charge-batch';
import type { ChargingApi } from './charging-api';
import { InvalidArgumentError } from './commands/invalid-argument.error';
import { GrpcMetrics } from './grpc-metrics';
import { grpcStatusOf } from './grpc-status.mapper';

const start = (sessionId: string): ChargeItem => ({
  correlationId: `s-${sessionId}`,
  start: StartSessionRequest.fromPartial({ sessionId }),
});
const update = (sessionId: string, n: number): ChargeItem => ({
  correlationId: `u-${sessionId}-${n}`,
  update: UpdateSessionRequest.fromPartial({ sessionId, requestNumber: n }),
});
const debit: ChargeItem = { correlationId: 'd', debitEvent: DebitEventRequest.fromPartial({ requestId: 'r' }) };
const later = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SessionOrder', () => {
  it("runs a session's items in the order given, and items of other sessions or none without waiting", async () => {
    const order = new SessionOrder();
    const log: string[] = [];
    const job = (name: string, ms: number) => async () => {
      log.push(`begin ${name}`);
      await later(ms);
      log.push(`end ${name}`);
    };
    await Promise.all([
      order.run(start('a'), job('a0', 30)),
      order.run(update('a', 1), job('a1', 0)),
      order.run(start('b'), job('b0', 0)),
      order.run(debit, job('d', 0)),
    ]);
    expect(log.indexOf('begin a1')).toBeGreaterThan(log.indexOf('end a0'));
    expect(log.indexOf('end b0')).toBeLessThan(log.indexOf('end a0'));
    expect(log.indexOf('end d')).toBeLessThan(log.indexOf('end a0'));
  });

  it('a failed item does not hold back the next item of its session', async () => {
    const order = new SessionOrder();
    const first = order.run(start('c'), () => Promise.reject(new Error('boom')));
    const second = order.run(update('c', 1), () => Promise.resolve('ran'));
    await expect(first).rejects.toThrow('boom');
    await expect(second).resolves.toBe('ran');
  });
});

describe('runItem', () => {
  const metrics = new GrpcMetrics(new Registry());
  const logger = { error: () => undefined } as unknown as Parameters<typeof grpcStatusOf>[2];
  const toStatus = (err: unknown, method: string) => grpcStatusOf(err, method, logger);
  /** An API whose debitEvent fails with `err` (the refusals come from the layers below the gateway). */
  const failing = (err: Error) => ({ debitEvent: () => Promise.reject(err) }) as unknown as ChargingApi;

  it.each([
    [
      'a gateway check',
      new InvalidArgumentError('request_id', 'must not be empty'),
      Status.INVALID_ARGUMENT,
      'items[2].debit_event.request_id',
    ],
    [
      'rating',
      new RatingError(RatingErrorCode.INVALID_USAGE, 'expected a boolean', 'roaming'),
      Status.INVALID_ARGUMENT,
      'items[2].debit_event',
    ],
    [
      'the balance engine',
      new BalanceError(BalanceErrorCode.LIMIT_EXCEEDED, 'too many groups', 'groups'),
      Status.OUT_OF_RANGE,
      'items[2].debit_event',
    ],
    ['an id reused with other content', new BalanceError(BalanceErrorCode.DUPLICATE_MISMATCH, 'other content'), Status.ALREADY_EXISTS, ''],
  ])('an item refused by %s names its field as far as it is known', async (_by, err, code, field) => {
    const res = await runItem(debit, 'items[2]', failing(err), metrics, toStatus);
    expect(res).toMatchObject({ correlationId: 'd', status: { code, field } });
  });
});
