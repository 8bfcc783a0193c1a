import { ProvisioningError } from '../provisioning-error';
import { AMOUNT_MINOR_MAX, DATE_MAX } from './billing-catalog.limits';
import { isValidIban, parseAmountMinor, parseDate, parseTaxRatePercent, parseValidity } from './billing-catalog.rules';

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof ProvisioningError) return e.details.field;
    throw e;
  }
  return undefined;
}

describe('billing catalog rules', () => {
  it.each([
    ['DE89370400440532013000', true],
    ['GB82WEST12345698765432', true],
    ['DE89370400440532013001', false],
    ['de89370400440532013000', false],
    ['DE8937040044', false],
  ])('IBAN %s valid: %s', (iban, valid) => expect(isValidIban(iban)).toBe(valid));

  it.each([
    ['2026-02-29', 'validFrom'],
    ['2026-13-01', 'validFrom'],
    ['26-01-01', 'validFrom'],
    ['1999-12-31', 'validFrom'],
  ])('refuses the date %s', (date, field) => expect(fieldOf(() => parseDate('validFrom', date))).toBe(field));

  it('accepts real dates up to DATE_MAX and windows [from, to)', () => {
    expect(parseDate('d', '2028-02-29')).toBe('2028-02-29');
    expect(parseDate('d', DATE_MAX)).toBe(DATE_MAX);
    expect(parseValidity('2026-01-01', undefined)).toEqual({ validFrom: '2026-01-01', validTo: null });
    expect(fieldOf(() => parseValidity('2026-01-01', '2026-01-01'))).toBe('validTo');
  });

  it.each([
    ['19', '19'],
    ['5.50', '5.5'],
    ['0', '0'],
    ['100', '100'],
  ])('rate %s is %s', (input, out) => expect(parseTaxRatePercent('rate', input)).toBe(out));

  it.each(['100.0001', '-1', '1e1', '19.12345', ' 19', ''])('refuses the rate %j', (input) =>
    expect(fieldOf(() => parseTaxRatePercent('rate', input))).toBe('rate'),
  );

  it('minor amounts: digits only, at most AMOUNT_MINOR_MAX, at least the minimum', () => {
    expect(parseAmountMinor('amount', '1999')).toBe(1999n);
    expect(parseAmountMinor('amount', String(AMOUNT_MINOR_MAX))).toBe(AMOUNT_MINOR_MAX);
    for (const bad of ['', '01', '1.5', '-1', String(AMOUNT_MINOR_MAX + 1n), '99999999999999999']) {
      expect(fieldOf(() => parseAmountMinor('amount', bad))).toBe('amount');
    }
    expect(fieldOf(() => parseAmountMinor('amount', '0', { min: 1n }))).toBe('amount');
  });
});
