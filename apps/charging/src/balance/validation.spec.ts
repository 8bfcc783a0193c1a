import { BalanceError, fromScriptError } from './balance.errors';
import type { EventCommand } from './balance-engine.port';
import { checkRate, validateEventCommand } from './validation';

const rate = {
  tariffId: 'plan-1:3:voice',
  unit: 'SECONDS' as const,
  setupMicros: 0,
  firstUnits: 60,
  nextUnits: 1,
  perUnits: 60,
  tiers: [{ fromUnits: 0, priceMicros: 100_000 }],
};

describe('engine boundary validation', () => {
  it('accepts a rate compiled by @app/rating, with a long tariff id', () => {
    expect(() => checkRate('rate', { ...rate, tariffId: `${'p'.repeat(64)}:2147483647:${'e'.repeat(64)}` })).not.toThrow();
  });

  it.each<[string, object, string]>([
    ['unit', { unit: 'MONEY' }, 'rate.unit'],
    ['firstUnits', { firstUnits: 0 }, 'rate.firstUnits'],
    ['tiers empty', { tiers: [] }, 'rate.tiers'],
    ['first tier not at 0', { tiers: [{ fromUnits: 5, priceMicros: 1 }] }, 'rate.tiers[0].fromUnits'],
    ['perUnits above 10^13', { perUnits: 10_000_000_000_001 }, 'rate.perUnits'],
    ['tariffChangeAtMs', { tariffChangeAtMs: -1 }, 'rate.tariffChangeAtMs'],
  ])('rejects a rate with bad %s', (_n, patch, field) => {
    expect(() => checkRate('rate', { ...rate, ...patch })).toThrow(expect.objectContaining({ field }));
  });

  it('a refund carries no units or rate', () => {
    const refund: EventCommand = {
      kind: 'REFUND',
      accountId: 'a',
      subscriberId: '4915112345678',
      requestId: 'r2',
      requestHash: 'a'.repeat(64),
      nowMs: 0,
      cycleId: '2026-11',
      ratingGroup: 0,
      serviceId: 0,
      units: 0,
      refundOfRequestId: 'r1',
    };
    expect(() => validateEventCommand(refund)).not.toThrow();
    expect(() => validateEventCommand({ ...refund, kind: 'DEBIT' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'units' }),
    );
  });

  it('maps script error replies to codes and anything else to ENGINE_FAILURE', () => {
    expect(fromScriptError('topUp', new Error('DUPLICATE_MISMATCH this requestId was used'))).toMatchObject({ code: 'DUPLICATE_MISMATCH' });
    expect(fromScriptError('topUp', new Error('USER_UNKNOWN no such account'))).toMatchObject({ code: 'ACCOUNT_NOT_FOUND' });
    const other = fromScriptError('topUp', new Error('ERR user_script:1: oops'));
    expect(other).toBeInstanceOf(BalanceError);
    expect(other).toMatchObject({ code: 'ENGINE_FAILURE' });
  });
});
