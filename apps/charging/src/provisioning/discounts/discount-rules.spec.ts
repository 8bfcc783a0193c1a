import { ProvisioningError } from '../provisioning-error';
import { discountTarget, discountValue, requiredProducts } from './discount-rules';

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof ProvisioningError) return e.details.field;
    throw e;
  }
  return undefined;
}

describe('discount rules', () => {
  it('PERCENT: 0 < p <= 100, normalized; FIXED: at least one minor unit with its currency', () => {
    expect(discountValue({ kind: 'PERCENT', percent: '12.50' })).toEqual({
      kind: 'PERCENT',
      percent: '12.5',
      amountMinor: null,
      currency: null,
    });
    expect(discountValue({ kind: 'FIXED', amount: '500', currency: 'EUR' })).toEqual({
      kind: 'FIXED',
      percent: null,
      amountMinor: 500n,
      currency: 'EUR',
    });
  });

  it.each([
    [{ kind: 'PERCENT' as const, percent: '0' }, 'percent'],
    [{ kind: 'PERCENT' as const, percent: '0.0000' }, 'percent'],
    [{ kind: 'PERCENT' as const, percent: '100.0001' }, 'percent'],
    [{ kind: 'PERCENT' as const }, 'percent'],
    [{ kind: 'PERCENT' as const, percent: '5', currency: 'EUR' }, 'currency'],
    [{ kind: 'FIXED' as const, amount: '0', currency: 'EUR' }, 'amount'],
    [{ kind: 'FIXED' as const, amount: '5' }, 'currency'],
    [{ kind: 'FIXED' as const, percent: '5', amount: '5', currency: 'EUR' }, 'percent'],
  ])('value %j is refused on %s', (input, field) => expect(fieldOf(() => discountValue(input))).toBe(field));

  it.each([
    [{ scope: 'CHARGE' as const }, 'chargeId'],
    [{ scope: 'CHARGE' as const, chargeId: 'c', service: 'data' }, 'service'],
    [{ scope: 'SERVICE' as const }, 'service'],
    [{ scope: 'INVOICE' as const, chargeId: 'c' }, 'chargeId'],
  ])('target %j is refused on %s', (input, field) => expect(fieldOf(() => discountTarget(input))).toBe(field));

  it('the cross-product condition is a set', () => {
    expect(requiredProducts(['b', 'a'])).toEqual(['a', 'b']);
    expect(requiredProducts(undefined)).toEqual([]);
    expect(fieldOf(() => requiredProducts(['a', 'a']))).toBe('requiredProductIds');
  });
});
