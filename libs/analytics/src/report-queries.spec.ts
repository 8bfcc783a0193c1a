/** Validation of the report and reconciliation query builders: bad input never reaches SQL text. */
import { accountTypeTotalsSql, addFingerprint, eventIdFingerprint, storedEventAmountsSql } from './reconcile-queries';
import { SqlValueError } from './sql';
import { dailyRevenueSql, dailyUsageSql, REPORT_ROWS_MAX, subscriberUsageSql } from './usage-report-queries';

const P = { fromMs: Date.UTC(2026, 10, 1), toMs: Date.UTC(2026, 11, 1), types: ['DEBIT'] as const };

describe('report query builders', () => {
  it('builds one-line literals for hostile cursors', () => {
    const q = subscriberUsageSql('db', { ...P, accountId: 'a', limit: 10, after: { subscriberId: "x' OR 1=1 --\n", currency: 'EUR' } });
    expect(q.text).toContain("subscriberId > 'x\\' OR 1=1 --\\n'");
  });

  it.each<[string, () => unknown]>([
    ['account id', () => dailyUsageSql('db', { ...P, accountId: "a'b" })],
    ['empty account id', () => subscriberUsageSql('db', { ...P, accountId: '', limit: 1 })],
    ['limit 0', () => subscriberUsageSql('db', { ...P, accountId: 'a', limit: 0 })],
    ['limit above a page and its look-ahead row', () => dailyRevenueSql('db', { ...P, limit: REPORT_ROWS_MAX + 1, offset: 0 })],
    ['negative offset', () => dailyRevenueSql('db', { ...P, limit: 1, offset: -1 })],
    ['empty period', () => dailyUsageSql('db', { ...P, accountId: 'a', toMs: P.fromMs })],
    ['period too long', () => dailyUsageSql('db', { ...P, accountId: 'a', toMs: P.fromMs + 401 * 86_400_000 })],
    ['unknown type', () => dailyUsageSql('db', { ...P, accountId: 'a', types: ['CREDIT' as 'DEBIT'] })],
    ['no type', () => dailyUsageSql('db', { ...P, accountId: 'a', types: [] })],
    ['service id beyond UInt32', () => dailyUsageSql('db', { ...P, accountId: 'a', serviceId: 2 ** 32 })],
    ['reconcile period too long', () => accountTypeTotalsSql('db', { ...P, toMs: P.fromMs + 93 * 86_400_000, rowsMax: 1 })],
    ['reconcile bad account', () => storedEventAmountsSql('db', { ...P, accountIds: ['a b'], rowsMax: 1 })],
    ['reconcile no account', () => storedEventAmountsSql('db', { ...P, accountIds: [], rowsMax: 1 })],
  ])('refuses %s', (_name, build) => {
    expect(build).toThrow(SqlValueError);
  });

  it('fingerprints ids modulo 2^64', () => {
    expect(eventIdFingerprint('ffeeddccbbaa99887766554433221100aabbccdd')).toBe(18441921395520346504n);
    expect(addFingerprint(2n ** 64n - 1n, 2n)).toBe(1n);
  });
});
