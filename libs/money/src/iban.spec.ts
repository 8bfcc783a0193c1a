import { ibanProblem, isValidIban, maskIban } from './iban';

describe('IBAN', () => {
  it.each([
    'DE89370400440532013000',
    'FR7630006000011234567890189',
    'NL91ABNA0417164300',
    'GB82WEST12345698765432',
    'BE68539007547034',
    'NO9386011117947',
  ])('%s is valid', (iban) => expect(ibanProblem(iban)).toBeNull());

  it.each([
    ['DE89370400440532013001', 'check digits wrong'],
    ['DE8937040044053201300', 'a DE IBAN has 22 characters, not 21'],
    ['de89370400440532013000', 'electronic form'],
    ['DE89 3704 0044 0532 0130 00', 'electronic form'],
    ['', 'electronic form'],
  ])('%s is refused: %s', (iban, why) => {
    expect(ibanProblem(iban)).toContain(why);
    expect(isValidIban(iban)).toBe(false);
  });

  it('is masked to country, check digits and the last four characters', () => {
    expect(maskIban('DE89370400440532013000')).toBe('DE89 **** 3000');
  });
});
