import { creditorReference, isValidCreditorReference } from './creditor-reference';

describe('ISO 11649 creditor reference', () => {
  it.each([
    // The standard's example (ISO 11649, annex), and 1 + "RF00" = 1271500 = 97 x 13108 + 24, so 98 - 24 = 74.
    ['539007547034', 'RF18539007547034'],
    ['000000000000000000001', 'RF74000000000000000000001'],
    ['INV2026000123', creditorReference('INV2026000123')],
  ])('%s -> %s', (base, ref) => {
    expect(creditorReference(base)).toBe(ref);
    expect(isValidCreditorReference(ref)).toBe(true);
  });

  it('accepts spaces and lower case when checking, and refuses a wrong check or shape', () => {
    expect(isValidCreditorReference('RF18 5390 0754 7034')).toBe(true);
    expect(isValidCreditorReference('rf18539007547034')).toBe(true);
    expect(isValidCreditorReference('RF19539007547034')).toBe(false);
    expect(isValidCreditorReference('RF18')).toBe(false);
    expect(isValidCreditorReference('XX18539007547034')).toBe(false);
    expect(isValidCreditorReference(`RF18${'1'.repeat(22)}`)).toBe(false);
  });

  it.each([[''], ['INV-2026'], ['1234567890123456789012'], ['ÄBC']])('refuses the base %j', (base) => {
    expect(() => creditorReference(base)).toThrow(RangeError);
  });
});
