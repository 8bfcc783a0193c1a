import { ProvisioningError } from '../provisioning-error';
import { isCountryCode, parsePostalAddress } from './postal-address';

describe('isCountryCode', () => {
  it.each(['NL', 'DE', 'GB', 'US', 'AQ', 'BQ'])('%s is an assigned ISO 3166-1 code', (code) => expect(isCountryCode(code)).toBe(true));
  it.each([
    ['XX', 'user-assigned, unknown'],
    ['XK', 'user-assigned (Kosovo is not in ISO 3166-1)'],
    ['ZZ', 'user-assigned'],
    ['QO', 'user-assigned'],
    ['EU', 'reserved, not a country'],
    ['UN', 'reserved, not a country'],
    ['UK', 'an alias of GB'],
    ['nl', 'lower case'],
    ['NLD', 'alpha-3'],
  ])('%s is refused (%s)', (code) => expect(isCountryCode(code)).toBe(false));
});

describe('parsePostalAddress', () => {
  const body = { street: ' Kerkstraat 12 ', city: 'Amsterdam', postalCode: '1017 GL', countryCode: 'NL' };

  it('trims, and turns absent optional parts into null', () => {
    expect(parsePostalAddress('billingAddress', body)).toEqual({
      street: 'Kerkstraat 12',
      additionalStreet: null,
      city: 'Amsterdam',
      postalCode: '1017 GL',
      countryCode: 'NL',
    });
  });

  it.each([
    [{ street: '   ' }, 'billingAddress.street'],
    [{ additionalStreet: ' ' }, 'billingAddress.additionalStreet'],
    [{ city: '\t' }, 'billingAddress.city'],
    [{ countryCode: 'XK' }, 'billingAddress.countryCode'],
  ])('refuses %j naming %s', (over, field) => {
    try {
      parsePostalAddress('billingAddress', { ...body, ...over });
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(ProvisioningError);
      expect((e as ProvisioningError).message.startsWith(`${field}:`)).toBe(true);
    }
  });
});
