import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { DISCOUNT_KINDS, DISCOUNT_SCOPES, type Discount, type DiscountKind, type DiscountScope } from '@app/db/catalog';
import { ID_MAX_LENGTH, ID_PATTERN, NAME_MAX_LENGTH } from '../provisioning.limits';
import { CURRENCY_PATTERN, REQUIRED_PRODUCTS_PER_DISCOUNT_MAX, SERVICE_NAME_PATTERN } from '../billing-catalog/billing-catalog.limits';
import { formatPercent } from '../billing-catalog/billing-catalog.rules';

/** Longest text accepted where a short decimal, amount or date is expected (the rules then name the format). */
const SHORT_TEXT_MAX_LENGTH = 32;

export class CreateDiscountBody {
  @ApiPropertyOptional({
    description: 'Client-chosen id; generated (`dis_...`) when absent',
    pattern: ID_PATTERN.source,
    maxLength: ID_MAX_LENGTH,
  })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: `id must match ${ID_PATTERN.source}` })
  id?: string;

  @ApiProperty({ maxLength: NAME_MAX_LENGTH, example: 'Fixed + mobile' })
  @IsString()
  @Length(1, NAME_MAX_LENGTH)
  name!: string;

  @ApiProperty({ enum: DISCOUNT_KINDS, description: 'PERCENT needs percent; FIXED needs amount and currency' })
  @IsIn(DISCOUNT_KINDS)
  kind!: DiscountKind;

  @ApiPropertyOptional({ description: 'PERCENT only: 0 < p <= 100, at most 4 decimals, a string', example: '10' })
  @IsOptional()
  @IsString()
  @MaxLength(SHORT_TEXT_MAX_LENGTH)
  percent?: string;

  @ApiPropertyOptional({ description: 'FIXED only: minor units, digits, at least 1', example: '500' })
  @IsOptional()
  @IsString()
  @MaxLength(SHORT_TEXT_MAX_LENGTH)
  amount?: string;

  @ApiPropertyOptional({ pattern: CURRENCY_PATTERN.source, description: 'FIXED only' })
  @IsOptional()
  @IsString()
  @Matches(CURRENCY_PATTERN, { message: `currency must match ${CURRENCY_PATTERN.source}` })
  currency?: string;

  @ApiProperty({ enum: DISCOUNT_SCOPES, description: 'CHARGE needs chargeId; SERVICE needs service; INVOICE neither' })
  @IsIn(DISCOUNT_SCOPES)
  scope!: DiscountScope;

  @ApiPropertyOptional({ pattern: ID_PATTERN.source })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: `chargeId must match ${ID_PATTERN.source}` })
  chargeId?: string;

  @ApiPropertyOptional({ pattern: SERVICE_NAME_PATTERN.source, example: 'data' })
  @IsOptional()
  @IsString()
  @Matches(SERVICE_NAME_PATTERN, { message: `service must match ${SERVICE_NAME_PATTERN.source}` })
  service?: string;

  @ApiPropertyOptional({
    type: [String],
    maxItems: REQUIRED_PRODUCTS_PER_DISCOUNT_MAX,
    description: 'Cross-product condition: the account must hold all of these products',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(REQUIRED_PRODUCTS_PER_DISCOUNT_MAX)
  @Matches(ID_PATTERN, { each: true, message: `requiredProductIds must match ${ID_PATTERN.source}` })
  requiredProductIds?: string[];

  @ApiProperty({ format: 'date', example: '2026-01-01' })
  @IsString()
  @MaxLength(SHORT_TEXT_MAX_LENGTH)
  validFrom!: string;

  @ApiPropertyOptional({ format: 'date', description: 'Exclusive; absent: open ended' })
  @IsOptional()
  @IsString()
  @MaxLength(SHORT_TEXT_MAX_LENGTH)
  validTo?: string;
}

export class DiscountResponse {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: DISCOUNT_KINDS }) kind!: string;
  @ApiProperty({ nullable: true, type: String }) percent!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Minor units, digits' }) amount!: string | null;
  @ApiProperty({ nullable: true, type: String }) currency!: string | null;
  @ApiProperty({ enum: DISCOUNT_SCOPES }) scope!: string;
  @ApiProperty({ nullable: true, type: String }) chargeId!: string | null;
  @ApiProperty({ nullable: true, type: String }) service!: string | null;
  @ApiProperty({ type: [String] }) requiredProductIds!: string[];
  @ApiProperty({ format: 'date' }) validFrom!: string;
  @ApiProperty({ format: 'date', nullable: true, type: String }) validTo!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export function discountResponse(d: Discount): DiscountResponse {
  return {
    id: d.id,
    name: d.name,
    kind: d.kind,
    percent: d.percent === null || d.percent === undefined ? null : formatPercent(d.percent),
    amount: d.amountMinor === null || d.amountMinor === undefined ? null : String(d.amountMinor),
    currency: d.currency ?? null,
    scope: d.scope,
    chargeId: d.charge?.id ?? null,
    service: d.service ?? null,
    requiredProductIds: d.requiredProductIds,
    validFrom: d.validFrom,
    validTo: d.validTo ?? null,
    createdAt: d.createdAt.toISOString(),
  };
}
