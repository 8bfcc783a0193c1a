import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsObject, IsOptional, IsString, Length, Matches, MaxLength, ValidateNested } from 'class-validator';
import type { LegalEntity } from '@app/db/core';
import { ID_MAX_LENGTH, ID_PATTERN, NAME_MAX_LENGTH } from '../provisioning.limits';
import {
  ADDRESS_MAX_LENGTH,
  IBAN_MAX_LENGTH,
  IBAN_PATTERN,
  NUMBER_SERIES_PREFIX_PATTERN,
  VAT_ID_PATTERN,
} from '../billing-catalog/billing-catalog.limits';
import { PostalAddressBody, PostalAddressResponse, postalAddressResponse } from '../billing-catalog/postal-address';
import { ElectronicAddressBody, ElectronicAddressResponse, electronicAddressResponse } from '../billing-catalog/electronic-address';

export class CreateLegalEntityBody {
  @ApiPropertyOptional({
    description: 'Client-chosen id; generated (`le_...`) when absent',
    pattern: ID_PATTERN.source,
    maxLength: ID_MAX_LENGTH,
  })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: `id must match ${ID_PATTERN.source}` })
  id?: string;

  @ApiProperty({ maxLength: NAME_MAX_LENGTH, example: 'Ratel Telecom GmbH' })
  @IsString()
  @Length(1, NAME_MAX_LENGTH)
  name!: string;

  @ApiProperty({ maxLength: ADDRESS_MAX_LENGTH, example: 'Hauptstr. 1\n10115 Berlin\nDE' })
  @IsString()
  @Length(1, ADDRESS_MAX_LENGTH)
  address!: string;

  @ApiProperty({ pattern: VAT_ID_PATTERN.source, example: 'DE123456789' })
  @IsString()
  @Matches(VAT_ID_PATTERN, { message: `vatId must match ${VAT_ID_PATTERN.source} (upper case, no spaces)` })
  vatId!: string;

  @ApiProperty({
    pattern: IBAN_PATTERN.source,
    maxLength: IBAN_MAX_LENGTH,
    example: 'DE89370400440532013000',
    description: 'Check digits verified',
  })
  @IsString()
  @MaxLength(IBAN_MAX_LENGTH)
  iban!: string;

  @ApiProperty({ pattern: NUMBER_SERIES_PREFIX_PATTERN.source, example: 'RTL-DE', description: 'Unique among legal entities' })
  @IsString()
  @Matches(NUMBER_SERIES_PREFIX_PATTERN, { message: `numberSeriesPrefix must match ${NUMBER_SERIES_PREFIX_PATTERN.source}` })
  numberSeriesPrefix!: string;

  @ApiPropertyOptional({
    type: PostalAddressBody,
    description: "Structured seller address of e-invoices (UBL); without it the entity's documents get no UBL rendition",
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => PostalAddressBody)
  postalAddress?: PostalAddressBody;

  @ApiPropertyOptional({
    type: ElectronicAddressBody,
    description: "The seller's Peppol electronic address (EN 16931 BT-34, UBL EndpointID); written on every e-invoice of the entity",
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ElectronicAddressBody)
  electronicAddress?: ElectronicAddressBody;
}

export class LegalEntityResponse {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() address!: string;
  @ApiProperty() vatId!: string;
  @ApiProperty() iban!: string;
  @ApiProperty() numberSeriesPrefix!: string;
  @ApiProperty({ nullable: true, type: PostalAddressResponse }) postalAddress!: PostalAddressResponse | null;
  @ApiProperty({ nullable: true, type: ElectronicAddressResponse }) electronicAddress!: ElectronicAddressResponse | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export function legalEntityResponse(e: LegalEntity): LegalEntityResponse {
  return {
    id: e.id,
    name: e.name,
    address: e.address,
    vatId: e.vatId,
    iban: e.iban,
    numberSeriesPrefix: e.numberSeriesPrefix,
    postalAddress: postalAddressResponse({
      street: e.postalStreet,
      additionalStreet: e.postalAdditionalStreet,
      city: e.postalCity,
      postalCode: e.postalCode,
      countryCode: e.postalCountryCode,
    }),
    electronicAddress: electronicAddressResponse(e.endpointScheme, e.endpointId),
    createdAt: e.createdAt.toISOString(),
  };
}
