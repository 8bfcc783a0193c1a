import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsEmail, IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import type { BillingAccount } from '@app/db/core';
import { EMAIL_MAX_LENGTH, ID_PATTERN, MSISDN_PATTERN } from '../provisioning.limits';
import {
  AMOUNT_MINOR_PATTERN,
  BILLING_CYCLE_TYPE_PATTERN,
  JURISDICTION_PATTERN,
  PAYMENT_TERMS_DAYS_MAX,
  PAYMENT_TERMS_DAYS_MIN,
  VAT_ID_PATTERN,
} from '../billing-catalog/billing-catalog.limits';
import { PostalAddressBody, PostalAddressResponse, postalAddressResponse } from '../billing-catalog/postal-address';
import { ElectronicAddressBody, ElectronicAddressResponse, electronicAddressResponse } from '../billing-catalog/electronic-address';

/** The billing terms of an account, replaced as a whole (an absent optional field clears it). */
export class PutBillingTermsBody {
  @ApiProperty({ pattern: BILLING_CYCLE_TYPE_PATTERN.source, example: 'MONTHLY_D1', description: "Code of invoicing's cycle type table" })
  @IsString()
  @Matches(BILLING_CYCLE_TYPE_PATTERN, { message: `billingCycleType must match ${BILLING_CYCLE_TYPE_PATTERN.source}` })
  billingCycleType!: string;

  @ApiProperty({ minimum: PAYMENT_TERMS_DAYS_MIN, maximum: PAYMENT_TERMS_DAYS_MAX, description: 'Net days to pay' })
  @IsInt()
  @Min(PAYMENT_TERMS_DAYS_MIN)
  @Max(PAYMENT_TERMS_DAYS_MAX)
  paymentTermsDays!: number;

  @ApiProperty({ pattern: JURISDICTION_PATTERN.source, example: 'DE' })
  @IsString()
  @Matches(JURISDICTION_PATTERN, { message: `taxJurisdiction must match ${JURISDICTION_PATTERN.source}` })
  taxJurisdiction!: string;

  @ApiProperty({ pattern: ID_PATTERN.source, description: 'The legal entity that bills the account' })
  @IsString()
  @Matches(ID_PATTERN, { message: `legalEntityId must match ${ID_PATTERN.source}` })
  legalEntityId!: string;

  @ApiPropertyOptional({ maxLength: EMAIL_MAX_LENGTH, description: 'Deliver documents by e-mail here' })
  @IsOptional()
  @IsEmail()
  @MaxLength(EMAIL_MAX_LENGTH)
  deliveryEmail?: string;

  @ApiPropertyOptional({ pattern: MSISDN_PATTERN.source, description: 'Send a notice by SMS to this MSISDN' })
  @IsOptional()
  @IsString()
  @Matches(MSISDN_PATTERN, { message: `deliverySmsMsisdn must match ${MSISDN_PATTERN.source}` })
  deliverySmsMsisdn?: string;

  @ApiPropertyOptional({ default: false, description: 'Documents only in the portal (then no e-mail and no SMS)' })
  @IsOptional()
  @IsBoolean()
  deliveryPortalOnly?: boolean;

  @ApiPropertyOptional({
    pattern: AMOUNT_MINOR_PATTERN.source,
    description: 'Minimum per cycle, minor units of the account currency, digits',
    example: '2000',
  })
  @IsOptional()
  @IsString()
  @MaxLength(20)
  minimumCommitment?: string;

  @ApiPropertyOptional({
    type: PostalAddressBody,
    description: "Bill-to address, the buyer's address of e-invoices (UBL); without it the account's documents get no UBL rendition",
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => PostalAddressBody)
  billingAddress?: PostalAddressBody;

  @ApiPropertyOptional({
    pattern: VAT_ID_PATTERN.source,
    example: 'NL123456789B01',
    description: "The buyer's VAT identifier (EN 16931 BT-48): a business customer's; required to bill it under reverse charge",
  })
  @IsOptional()
  @IsString()
  @Matches(VAT_ID_PATTERN, { message: `vatId must match ${VAT_ID_PATTERN.source} (upper case, no spaces)` })
  vatId?: string;

  @ApiPropertyOptional({
    type: ElectronicAddressBody,
    description: "The buyer's Peppol electronic address (EN 16931 BT-49, UBL EndpointID) its e-invoices are sent to",
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ElectronicAddressBody)
  electronicAddress?: ElectronicAddressBody;
}

export class BillingTermsResponse {
  @ApiProperty() accountId!: string;
  @ApiProperty({ description: 'IANA time zone of the account (set at creation)' }) timeZone!: string;
  @ApiProperty({ nullable: true, type: String }) billingCycleType!: string | null;
  @ApiProperty({ nullable: true, type: Number }) paymentTermsDays!: number | null;
  @ApiProperty({ nullable: true, type: String }) taxJurisdiction!: string | null;
  @ApiProperty({ nullable: true, type: String }) legalEntityId!: string | null;
  @ApiProperty({ nullable: true, type: String }) deliveryEmail!: string | null;
  @ApiProperty({ nullable: true, type: String }) deliverySmsMsisdn!: string | null;
  @ApiProperty() deliveryPortalOnly!: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'Minor units, digits' }) minimumCommitment!: string | null;
  @ApiProperty() currency!: string;
  @ApiProperty({ nullable: true, type: PostalAddressResponse }) billingAddress!: PostalAddressResponse | null;
  @ApiProperty({ nullable: true, type: String }) vatId!: string | null;
  @ApiProperty({ nullable: true, type: ElectronicAddressResponse }) electronicAddress!: ElectronicAddressResponse | null;
}

export function billingTermsResponse(a: BillingAccount): BillingTermsResponse {
  return {
    accountId: a.id,
    timeZone: a.timeZone,
    billingCycleType: a.billingCycleType ?? null,
    paymentTermsDays: a.paymentTermsDays ?? null,
    taxJurisdiction: a.taxJurisdiction ?? null,
    legalEntityId: a.legalEntity?.id ?? null,
    deliveryEmail: a.deliveryEmail ?? null,
    deliverySmsMsisdn: a.deliverySmsMsisdn ?? null,
    deliveryPortalOnly: a.deliveryPortalOnly,
    minimumCommitment:
      a.minimumCommitmentMinor === null || a.minimumCommitmentMinor === undefined ? null : String(a.minimumCommitmentMinor),
    currency: a.currency,
    billingAddress: postalAddressResponse({
      street: a.billingStreet,
      additionalStreet: a.billingAdditionalStreet,
      city: a.billingCity,
      postalCode: a.billingPostalCode,
      countryCode: a.billingCountryCode,
    }),
    vatId: a.vatId ?? null,
    electronicAddress: electronicAddressResponse(a.endpointScheme, a.endpointId),
  };
}
