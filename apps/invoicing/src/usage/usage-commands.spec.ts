import { InvoicingError } from '../api/invoicing-error';
import { accountReportCommand, decodeSubscriberCursor, encodeSubscriberCursor, revenueCommand, subscribersCommand } from './usage-commands';
import { REVENUE_API_PERIOD_MAX_DAYS, SUBSCRIBERS_PAGE_MAX } from './usage-limits';

const P = { from: '2026-11-01', to: '2026-12-01' };

function parameterOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof InvoicingError) return e.details.parameter;
    throw e;
  }
  return undefined;
}

describe('usage commands', () => {
  it('make a command with defaults and filters', () => {
    expect(accountReportCommand('acc-1', { ...P, serviceId: '2', ratingGroup: '10', type: 'DEBIT' })).toEqual({
      accountId: 'acc-1',
      fromMs: Date.UTC(2026, 10, 1),
      toMs: Date.UTC(2026, 11, 1),
      types: ['DEBIT'],
      serviceId: 2,
      ratingGroup: 10,
    });
    expect(subscribersCommand('acc-1', P)).toMatchObject({ limit: 100, after: undefined, types: ['DEBIT', 'REFUND'] });
    expect(revenueCommand({ ...P, limit: '10', offset: '20' })).toMatchObject({ limit: 10, offset: 20 });
  });

  it('round-trips the subscriber cursor and refuses forged ones', () => {
    const c = { subscriberId: '491700000001', currency: 'EUR' };
    expect(decodeSubscriberCursor(encodeSubscriberCursor(c))).toEqual(c);
    expect(decodeSubscriberCursor(encodeSubscriberCursor({ subscriberId: '', currency: 'EUR' }))).toEqual({
      subscriberId: '',
      currency: 'EUR',
    });
    const forged = [
      'not base64!',
      Buffer.from('{"a":1}').toString('base64url'),
      Buffer.from(JSON.stringify(["1' OR 1=1", 'EUR'])).toString('base64url'),
      Buffer.from(JSON.stringify(['49170', 'eur'])).toString('base64url'),
      Buffer.from('[').toString('base64url'),
    ];
    for (const f of forged) expect(parameterOf(() => subscribersCommand('acc-1', { ...P, cursor: f }))).toBe('cursor');
  });

  it.each<[string, unknown, Record<string, unknown>]>([
    ['accountId', 'a.b', P],
    ['limit', 'acc-1', { ...P, limit: String(SUBSCRIBERS_PAGE_MAX + 1) }],
    ['offset', 'acc-1', { ...P, offset: '1' }],
  ])('subscribers: names %s', (parameter, account, query) => {
    expect(parameterOf(() => subscribersCommand(account, query))).toBe(parameter);
  });

  it('revenue: bounds the period and the offset', () => {
    expect(
      parameterOf(() =>
        revenueCommand({ from: '2026-01-01', to: new Date(Date.UTC(2026, 0, 2 + REVENUE_API_PERIOD_MAX_DAYS)).toISOString() }),
      ),
    ).toBe('to');
    expect(parameterOf(() => revenueCommand({ ...P, offset: '-1' }))).toBe('offset');
  });
});
