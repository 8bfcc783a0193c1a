import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { TAX_CATEGORIES, type TaxCategory, type TaxRate } from '@app/db/catalog';
import { ID_MAX_LENGTH, ID_PATTERN } from '../provisioning.limits';
import { JURISDICTION_PATTERN, TAX_RATE_PERCENT_MAX } from '../billing-catalog/billing-catalog.limits';
import { formatPercent } from '../billing-catalog/billing-catalog.rules';

/** Longest text accepted where a short decimal or date is expected (the rules then name the format). */
const SHORT_TEXT_MAX_LENGTH = 32;

export class CreateTaxRateBody {
  @ApiPropertyOptional({
    description: 'Client-chosen id; generated (`tax_...`) when absent',
    pattern: ID_PATTERN.source,
    maxLength: ID_MAX_LENGTH,
  })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: `id must match ${ID_PATTERN.source}` })
  id?: string;

  @ApiProperty({ pattern: JURISDICTION_PATTERN.source, example: 'DE' })
  @IsString()
  @Matches(JURISDICTION_PATTERN, { message: `jurisdiction must match ${JURISDICTION_PATTERN.source}` })
  jurisdiction!: string;

  @ApiProperty({ enum: TAX_CATEGORIES })
  @IsIn(TAX_CATEGORIES)
  category!: TaxCategory;

  @ApiProperty({ description: `Percent, 0-${TAX_RATE_PERCENT_MAX}, at most 4 decimals, as a string`, example: '19' })
  @IsString()
  @MaxLength(SHORT_TEXT_MAX_LENGTH)
  ratePercent!: string;

  @ApiProperty({ format: 'date', example: '2026-01-01', description: 'First day the rate applies' })
  @IsString()
  @MaxLength(SHORT_TEXT_MAX_LENGTH)
  validFrom!: string;

  @ApiPropertyOptional({ format: 'date', description: 'First day it no longer applies (exclusive); absent: open ended' })
  @IsOptional()
  @IsString()
  @MaxLength(SHORT_TEXT_MAX_LENGTH)
  validTo?: string;
}

export class ListTaxRatesQuery {
  @ApiProperty({ pattern: JURISDICTION_PATTERN.source })
  @IsString()
  @Matches(JURISDICTION_PATTERN, { message: `jurisdiction must match ${JURISDICTION_PATTERN.source}` })
  jurisdiction!: string;

  @ApiPropertyOptional({ enum: TAX_CATEGORIES })
  @IsOptional()
  @IsIn(TAX_CATEGORIES)
  category?: TaxCategory;
}

export class TaxRateResponse {
  @ApiProperty() id!: string;
  @ApiProperty() jurisdiction!: string;
  @ApiProperty({ enum: TAX_CATEGORIES }) category!: string;
  @ApiProperty({ example: '19' }) ratePercent!: string;
  @ApiProperty({ format: 'date' }) validFrom!: string;
  @ApiProperty({ format: 'date', nullable: true, type: String }) validTo!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class TaxRateListResponse {
  @ApiProperty({ type: [TaxRateResponse] }) items!: TaxRateResponse[];
}

export function taxRateResponse(r: TaxRate): TaxRateResponse {
  return {
    id: r.id,
    jurisdiction: r.jurisdiction,
    category: r.category,
    ratePercent: formatPercent(r.ratePercent),
    validFrom: r.validFrom,
    validTo: r.validTo ?? null,
    createdAt: r.createdAt.toISOString(),
  };
}
