import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import {
  CHARGE_BILLING,
  CHARGE_KINDS,
  CHARGE_PERIODS,
  TAX_CATEGORIES,
  type ChargeBilling,
  type ChargeKind,
  type ChargePeriod,
  type ProductCharge,
  type TaxCategory,
} from '@app/db/catalog';
import { ID_MAX_LENGTH, ID_PATTERN, NAME_MAX_LENGTH } from '../provisioning.limits';
import {
  AMOUNT_MINOR_PATTERN,
  CURRENCY_PATTERN,
  INSTALMENT_COUNT_MAX,
  INSTALMENT_COUNT_MIN,
} from '../billing-catalog/billing-catalog.limits';

/** Longest text accepted for an amount (the rules then name the format): 2^53 - 1 has 16 digits. */
const AMOUNT_TEXT_MAX_LENGTH = 20;

export class CreateChargeBody {
  @ApiPropertyOptional({
    description: 'Client-chosen id; generated (`chg_...`) when absent',
    pattern: ID_PATTERN.source,
    maxLength: ID_MAX_LENGTH,
  })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: `id must match ${ID_PATTERN.source}` })
  id?: string;

  @ApiProperty({ maxLength: NAME_MAX_LENGTH, example: 'Monthly fee' })
  @IsString()
  @Length(1, NAME_MAX_LENGTH)
  name!: string;

  @ApiProperty({ enum: CHARGE_KINDS, description: 'RECURRING needs period, billing and prorated; INSTALMENT needs instalmentCount' })
  @IsIn(CHARGE_KINDS)
  kind!: ChargeKind;

  @ApiPropertyOptional({ enum: CHARGE_PERIODS, description: 'RECURRING only' })
  @IsOptional()
  @IsIn(CHARGE_PERIODS)
  period?: ChargePeriod;

  @ApiPropertyOptional({
    enum: CHARGE_BILLING,
    description: 'RECURRING only: billed at the start (ADVANCE) or end (ARREARS) of its period',
  })
  @IsOptional()
  @IsIn(CHARGE_BILLING)
  billing?: ChargeBilling;

  @ApiPropertyOptional({ description: 'RECURRING only: a partial period is billed by its days' })
  @IsOptional()
  @IsBoolean()
  prorated?: boolean;

  @ApiPropertyOptional({ minimum: INSTALMENT_COUNT_MIN, maximum: INSTALMENT_COUNT_MAX, description: 'INSTALMENT only: monthly parts' })
  @IsOptional()
  @IsInt()
  instalmentCount?: number;

  @ApiProperty({
    pattern: AMOUNT_MINOR_PATTERN.source,
    example: '1999',
    description: 'Net amount in minor units of `currency`, digits (per period for RECURRING, per part for INSTALMENT)',
  })
  @IsString()
  @MaxLength(AMOUNT_TEXT_MAX_LENGTH)
  amount!: string;

  @ApiProperty({ pattern: CURRENCY_PATTERN.source, example: 'EUR' })
  @IsString()
  @Matches(CURRENCY_PATTERN, { message: `currency must match ${CURRENCY_PATTERN.source}` })
  currency!: string;

  @ApiProperty({ enum: TAX_CATEGORIES })
  @IsIn(TAX_CATEGORIES)
  taxCategory!: TaxCategory;
}

export class ChargeResponse {
  @ApiProperty() id!: string;
  @ApiProperty() productId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: CHARGE_KINDS }) kind!: string;
  @ApiProperty({ enum: CHARGE_PERIODS, nullable: true, type: String }) period!: string | null;
  @ApiProperty({ enum: CHARGE_BILLING, nullable: true, type: String }) billing!: string | null;
  @ApiProperty({ nullable: true, type: Boolean }) prorated!: boolean | null;
  @ApiProperty({ nullable: true, type: Number }) instalmentCount!: number | null;
  @ApiProperty({ description: 'Minor units, digits' }) amount!: string;
  @ApiProperty() currency!: string;
  @ApiProperty({ enum: TAX_CATEGORIES }) taxCategory!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class ChargeListResponse {
  @ApiProperty({ type: [ChargeResponse] }) items!: ChargeResponse[];
}

export function chargeResponse(c: ProductCharge): ChargeResponse {
  return {
    id: c.id,
    productId: c.product.id,
    name: c.name,
    kind: c.kind,
    period: c.period ?? null,
    billing: c.billing ?? null,
    prorated: c.prorated ?? null,
    instalmentCount: c.instalmentCount ?? null,
    amount: String(c.amountMinor),
    currency: c.currency,
    taxCategory: c.taxCategory,
    createdAt: c.createdAt.toISOString(),
  };
}
