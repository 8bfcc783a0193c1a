/** SessionOrder: one session's items one after the other in the order given, other items at once, a failure holding nothing back. */
import { ChargeItem, DebitEventRequest, StartSessionRequest, UpdateSessionRequest } from '@app/proto';
import { SessionOrder } from './charge-batch';

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
