import { AMOUNT_MAX_MICROS } from '../../balance/balance-engine.port';
import { ProvisioningError } from '../provisioning-error';
import { checkCreditHeadroom, checkTopUpHeadroom } from './engine-limits';

function codeOf(f: () => void): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    return (e as ProvisioningError).code;
  }
}

describe('engine limits checked before the commit', () => {
  it.each([
    [AMOUNT_MAX_MICROS - 10n, 0n, 10n, undefined],
    [AMOUNT_MAX_MICROS - 10n, 0n, 11n, 'BALANCE_LIMIT_EXCEEDED'],
    [AMOUNT_MAX_MICROS - 10n, 5n, 6n, 'BALANCE_LIMIT_EXCEEDED'],
    [-5_000_000n, 0n, AMOUNT_MAX_MICROS, undefined],
  ])('top-up onto balance %p with %p pending, amount %p: %p', (balanceMicros, pendingMicros, amountMicros, code) => {
    expect(codeOf(() => checkTopUpHeadroom({ accountId: 'a', balanceMicros, pendingMicros, amountMicros }))).toBe(code);
  });

  it.each([
    [0n, AMOUNT_MAX_MICROS, undefined],
    [1n, AMOUNT_MAX_MICROS, 'CREDIT_LIMIT_EXCEEDED'],
    [-1_000n, AMOUNT_MAX_MICROS, undefined],
  ])('balance %p + credit limit %p: %p', (balanceMicros, creditLimitMicros, code) => {
    expect(codeOf(() => checkCreditHeadroom({ accountId: 'a', balanceMicros, creditLimitMicros, field: 'creditLimit' }))).toBe(code);
  });

  it('names the field, the account and the limit', () => {
    const run = () => checkTopUpHeadroom({ accountId: 'acc-1', balanceMicros: AMOUNT_MAX_MICROS, pendingMicros: 0n, amountMicros: 1n });
    expect(run).toThrow(
      /^amount: a top-up of 1 micros would take the balance of billing account acc-1 .* AMOUNT_MAX_MICROS \(9007199254740991 micros/,
    );
  });
});
