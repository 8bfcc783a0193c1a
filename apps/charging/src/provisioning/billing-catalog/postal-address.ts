/**
 * A structured postal address at the REST boundary: the seller's address of a legal entity and the
 * bill-to address of a billing account, as EN 16931 e-invoices need them (street, city, postal code,
 * ISO 3166-1 alpha-2 country). Migration20261203000800_postal_addresses checks the same bounds.
 */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import { ProvisioningError } from '../provisioning-error';

/** Longest street, additional street or city (varchar(100)). */
export const ADDRESS_PART_MAX_LENGTH = 100;
/** Letters, digits, spaces and hyphens, starting and ending with a letter or digit, 1-16 characters ("1017 GL", "SW1A 1AA", "00-950"). */
export const POSTAL_CODE_PATTERN = /^[A-Za-z0-9]([A-Za-z0-9 -]{0,14}[A-Za-z0-9])?$/;
export const COUNTRY_CODE_PATTERN = /^[A-Z]{2}$/;
/** No control characters (a newline would split a line; XML 1.0 cannot hold most of them). */
const PRINTABLE_PATTERN = /^[^\p{Cc}]*$/u;
/** ISO 3166-1 user-assigned codes (AA, QM-QZ, XA-XZ, ZZ) and reserved ones that are no country (EU, EZ, UN). */
const NOT_A_COUNTRY = /^(AA|Q[M-Z]|X[A-Z]|ZZ|EU|EZ|UN)$/;
const REGION_NAMES = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });

/**
 * An assigned ISO 3166-1 alpha-2 code. ICU's region data names every assigned country; an alias it
 * maps to another code ("UK" to "GB") and the user-assigned and reserved codes are refused.
 */
export function isCountryCode(code: string): boolean {
  if (!COUNTRY_CODE_PATTERN.test(code) || NOT_A_COUNTRY.test(code)) return false;
  if (Intl.getCanonicalLocales(`und-${code}`)[0] !== `und-${code}`) return false;
  return REGION_NAMES.of(code) !== code;
}

export class PostalAddressBody {
  @ApiProperty({ maxLength: ADDRESS_PART_MAX_LENGTH, example: 'Hauptstr. 1' })
  @IsString()
  @Length(1, ADDRESS_PART_MAX_LENGTH)
  @Matches(PRINTABLE_PATTERN, { message: 'street must not hold control characters' })
  street!: string;

  @ApiPropertyOptional({ maxLength: ADDRESS_PART_MAX_LENGTH, example: 'Hinterhaus, 2. OG' })
  @IsOptional()
  @IsString()
  @Length(1, ADDRESS_PART_MAX_LENGTH)
  @Matches(PRINTABLE_PATTERN, { message: 'additionalStreet must not hold control characters' })
  additionalStreet?: string;

  @ApiProperty({ maxLength: ADDRESS_PART_MAX_LENGTH, example: 'Berlin' })
  @IsString()
  @Length(1, ADDRESS_PART_MAX_LENGTH)
  @Matches(PRINTABLE_PATTERN, { message: 'city must not hold control characters' })
  city!: string;

  @ApiPropertyOptional({ pattern: POSTAL_CODE_PATTERN.source, example: '10115', description: 'Absent where the country has none' })
  @IsOptional()
  @IsString()
  @Matches(POSTAL_CODE_PATTERN, { message: `postalCode must match ${POSTAL_CODE_PATTERN.source}` })
  postalCode?: string;

  @ApiProperty({ pattern: COUNTRY_CODE_PATTERN.source, example: 'DE', description: 'ISO 3166-1 alpha-2, an assigned code' })
  @IsString()
  @Matches(COUNTRY_CODE_PATTERN, { message: `countryCode must match ${COUNTRY_CODE_PATTERN.source} (ISO 3166-1 alpha-2, upper case)` })
  countryCode!: string;
}

/** The address as answered (and as the columns hold it). */
export class PostalAddressResponse {
  @ApiProperty() street!: string;
  @ApiProperty({ nullable: true, type: String }) additionalStreet!: string | null;
  @ApiProperty() city!: string;
  @ApiProperty({ nullable: true, type: String }) postalCode!: string | null;
  @ApiProperty() countryCode!: string;
}

export type PostalAddress = PostalAddressResponse;

/** A checked address, blanks trimmed; throws INVALID_ARGUMENT naming `<field>.<part>` (`<part>` when the address is the body: field ''). */
export function parsePostalAddress(field: string, b: PostalAddressBody): PostalAddress {
  const name = (part: string) => (field === '' ? part : `${field}.${part}`);
  const text = (part: 'street' | 'additionalStreet' | 'city', value: string): string => {
    const trimmed = value.trim();
    if (trimmed === '') throw ProvisioningError.invalid(name(part), 'must not be blank');
    return trimmed;
  };
  if (!isCountryCode(b.countryCode))
    throw ProvisioningError.invalid(name('countryCode'), `${b.countryCode} is not an assigned ISO 3166-1 code`);
  return {
    street: text('street', b.street),
    additionalStreet: b.additionalStreet == null ? null : text('additionalStreet', b.additionalStreet),
    city: text('city', b.city),
    postalCode: b.postalCode ?? null,
    countryCode: b.countryCode,
  };
}

/** The address held in nullable columns, or null when there is none (the migration's CHECK: street, city and country together). */
export function postalAddressResponse(c: {
  street?: string | null;
  additionalStreet?: string | null;
  city?: string | null;
  postalCode?: string | null;
  countryCode?: string | null;
}): PostalAddressResponse | null {
  if (c.street == null || c.city == null || c.countryCode == null) return null;
  return {
    street: c.street,
    additionalStreet: c.additionalStreet ?? null,
    city: c.city,
    postalCode: c.postalCode ?? null,
    countryCode: c.countryCode,
  };
}
