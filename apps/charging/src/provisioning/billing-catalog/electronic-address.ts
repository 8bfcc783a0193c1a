/**
 * Electronic addresses at the REST boundary, for Peppol e-invoices (EN 16931 BT-34 and
 * BT-49, `cbc:EndpointID` with `schemeID`; BT-48, the buyer's VAT identifier). The scheme is a code
 * of the CEF Electronic Address Scheme (EAS) list: the codes below are the ones the vendored EN 16931
 * Schematron accepts (rule BR-CL-25, apps/invoicing/src/billing/einvoice/schemas/en16931), so a
 * stored address never fails that rule. Migration20261203001800_electronic_addresses checks the shape.
 */
import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';
import { ProvisioningError } from '../provisioning-error';

/** CEF EAS codes of EN 16931 BR-CL-25. */
export const EAS_CODES: ReadonlySet<string> = new Set(
  (
    '0002 0007 0009 0037 0060 0088 0096 0097 0106 0130 0135 0142 0147 0151 0154 0158 0170 0177 0183 0184 0188 0190 0191 0192 0193 ' +
    '0194 0195 0196 0198 0199 0200 0201 0202 0203 0204 0205 0208 0209 0210 0211 0212 0213 0215 0216 0217 0218 0219 0220 0221 0225 ' +
    '0230 0235 0240 0242 0244 0245 0246 0248 9910 9913 9914 9915 9918 9919 9920 9922 9923 9924 9925 9926 9927 9928 9929 9930 9931 ' +
    '9932 9933 9934 9935 9936 9937 9938 9939 9940 9941 9942 9943 9944 9945 9946 9947 9948 9949 9950 9951 9952 9953 9957 9959 AN AQ AS AU EM'
  ).split(' '),
);
/** Longest identifier in a scheme (varchar(128)). */
export const ENDPOINT_ID_MAX_LENGTH = 128;
/** Printable ASCII without spaces: identifiers are matched byte for byte by access points. */
export const ENDPOINT_ID_PATTERN = /^[\x21-\x7e]{1,128}$/;

export class ElectronicAddressBody {
  @ApiProperty({ example: '0204', description: 'CEF EAS code (BR-CL-25), e.g. 0088 GLN, 0204 Leitweg-ID, 9930 German VAT, EM e-mail' })
  @IsString()
  @Matches(/^([0-9]{4}|[A-Z]{2})$/, { message: 'scheme must be a CEF EAS code: 4 digits or 2 upper-case letters' })
  scheme!: string;

  @ApiProperty({ maxLength: ENDPOINT_ID_MAX_LENGTH, example: '991-01234-56', description: 'The identifier in that scheme' })
  @IsString()
  @Length(1, ENDPOINT_ID_MAX_LENGTH)
  @Matches(ENDPOINT_ID_PATTERN, { message: 'id must be printable ASCII without spaces' })
  id!: string;
}

export class ElectronicAddressResponse {
  @ApiProperty() scheme!: string;
  @ApiProperty() id!: string;
}

/** A checked address; throws INVALID_ARGUMENT naming `<field>.scheme` (`scheme` for the body itself) for a code outside the EAS list. */
export function parseElectronicAddress(field: string, b: ElectronicAddressBody): ElectronicAddressResponse {
  const scheme = field === '' ? 'scheme' : `${field}.scheme`;
  if (!EAS_CODES.has(b.scheme)) throw ProvisioningError.invalid(scheme, `${b.scheme} is not a CEF EAS code (EN 16931 BR-CL-25)`);
  return { scheme: b.scheme, id: b.id };
}

export function electronicAddressResponse(
  scheme: string | null | undefined,
  id: string | null | undefined,
): ElectronicAddressResponse | null {
  return scheme == null || id == null ? null : { scheme, id };
}
