import { ProvisioningError } from '../provisioning-error';
import { INSTALMENT_COUNT_MAX, INSTALMENT_COUNT_MIN } from '../billing-catalog/billing-catalog.limits';
import { chargeShape } from './charge-rules';

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof ProvisioningError) return e.details.field;
    throw e;
  }
  return undefined;
}

describe('charge shapes', () => {
  it('each kind carries its fields and nulls the others', () => {
    expect(chargeShape({ kind: 'RECURRING', period: 'ANNUAL', billing: 'ARREARS', prorated: false })).toEqual({
      kind: 'RECURRING',
      period: 'ANNUAL',
      billing: 'ARREARS',
      prorated: false,
      instalmentCount: null,
    });
    expect(chargeShape({ kind: 'INSTALMENT', instalmentCount: INSTALMENT_COUNT_MAX }).instalmentCount).toBe(INSTALMENT_COUNT_MAX);
    expect(chargeShape({ kind: 'TERMINATION' })).toEqual({
      kind: 'TERMINATION',
      period: null,
      billing: null,
      prorated: null,
      instalmentCount: null,
    });
  });

  it.each([
    [{ kind: 'RECURRING' as const, billing: 'ADVANCE' as const, prorated: true }, 'period'],
    [{ kind: 'RECURRING' as const, period: 'MONTHLY' as const, prorated: true }, 'billing'],
    [{ kind: 'INSTALMENT' as const, instalmentCount: INSTALMENT_COUNT_MIN - 1 }, 'instalmentCount'],
    [{ kind: 'INSTALMENT' as const, instalmentCount: 12, billing: 'ADVANCE' as const }, 'billing'],
    [{ kind: 'ACTIVATION' as const, instalmentCount: 3 }, 'instalmentCount'],
    [{ kind: 'TERMINATION' as const, period: 'MONTHLY' as const }, 'period'],
  ])('%j is refused on %s', (input, field) => expect(fieldOf(() => chargeShape(input))).toBe(field));
});
