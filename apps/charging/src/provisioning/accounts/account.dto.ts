import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { ACCOUNT_STATUSES, ACCOUNT_TYPES } from '@app/db';
import type { BillingAccount } from '@app/db/core';
import {
  CYCLE_DAY_MAX,
  CYCLE_DAY_MIN,
  ID_MAX_LENGTH,
  ID_PATTERN,
  PLAN_ID_PATTERN,
  THRESHOLDS_PER_ACCOUNT_MAX,
  TIME_ZONE_MAX_LENGTH,
} from '../provisioning.limits';
import { MoneyView, moneyView } from '../shared/money-view';

const MONEY_DOC = 'Decimal string in currency units, at most 6 decimals (never a JSON number)';

export class CreateAccountBody {
  @ApiPropertyOptional({
    description: 'Client-chosen id; generated (`acc_...`) when absent',
    pattern: ID_PATTERN.source,
    maxLength: ID_MAX_LENGTH,
  })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: `id must match ${ID_PATTERN.source}` })
  id?: string;

  @ApiProperty({ pattern: ID_PATTERN.source })
  @IsString()
  @Matches(ID_PATTERN, { message: `customerId must match ${ID_PATTERN.source}` })
  customerId!: string;

  @ApiProperty({ enum: ACCOUNT_TYPES })
  @IsIn(ACCOUNT_TYPES)
  type!: (typeof ACCOUNT_TYPES)[number];

  @ApiProperty({ description: 'ISO 4217 code; must be the currency of the plan', example: 'EUR' })
  @IsString()
  @Length(3, 3)
  currency!: string;

  @ApiProperty({ description: 'IANA time zone', example: 'Europe/Berlin', maxLength: TIME_ZONE_MAX_LENGTH })
  @IsString()
  @MaxLength(TIME_ZONE_MAX_LENGTH)
  timeZone!: string;

  @ApiProperty({ minimum: CYCLE_DAY_MIN, maximum: CYCLE_DAY_MAX, description: 'Day of month a billing cycle starts' })
  @IsInt()
  @Min(CYCLE_DAY_MIN)
  @Max(CYCLE_DAY_MAX)
  cycleDay!: number;

  @ApiProperty({ description: 'Price plan id', pattern: PLAN_ID_PATTERN.source })
  @IsString()
  @Matches(PLAN_ID_PATTERN, { message: `planId must match ${PLAN_ID_PATTERN.source}` })
  planId!: string;

  @ApiPropertyOptional({
    type: [String],
    maxItems: THRESHOLDS_PER_ACCOUNT_MAX,
    description: `Low-balance thresholds. ${MONEY_DOC}`,
    example: ['5.00', '1.00'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(THRESHOLDS_PER_ACCOUNT_MAX)
  @IsString({ each: true })
  thresholds?: string[];

  @ApiPropertyOptional({ description: `Postpaid only (0 for prepaid). ${MONEY_DOC}`, example: '50.00' })
  @IsOptional()
  @IsString()
  creditLimit?: string;

  @ApiPropertyOptional({ description: `Opening balance, booked as an INITIAL ledger entry. ${MONEY_DOC}`, example: '10.00' })
  @IsOptional()
  @IsString()
  initialBalance?: string;
}

export class UpdateAccountBody {
  @ApiPropertyOptional({ type: [String], maxItems: THRESHOLDS_PER_ACCOUNT_MAX, description: `Replaces the thresholds. ${MONEY_DOC}` })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(THRESHOLDS_PER_ACCOUNT_MAX)
  @IsString({ each: true })
  thresholds?: string[];

  @ApiPropertyOptional({ description: `Postpaid only. ${MONEY_DOC}` })
  @IsOptional()
  @IsString()
  creditLimit?: string;

  @ApiPropertyOptional({ enum: ACCOUNT_STATUSES, description: 'CLOSED is final' })
  @IsOptional()
  @IsIn(ACCOUNT_STATUSES)
  status?: (typeof ACCOUNT_STATUSES)[number];
}

export class AccountResponse {
  @ApiProperty() id!: string;
  @ApiProperty() customerId!: string;
  @ApiProperty({ enum: ACCOUNT_TYPES }) type!: string;
  @ApiProperty({ enum: ACCOUNT_STATUSES }) status!: string;
  @ApiProperty() currency!: string;
  @ApiProperty() timeZone!: string;
  @ApiProperty() cycleDay!: number;
  @ApiProperty() planId!: string;
  @ApiProperty({ type: [MoneyView], description: 'Descending' }) thresholds!: MoneyView[];
  @ApiProperty({ type: MoneyView }) creditLimit!: MoneyView;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export function accountResponse(a: BillingAccount): AccountResponse {
  return {
    id: a.id,
    customerId: a.customer.id,
    type: a.type,
    status: a.status,
    currency: a.currency,
    timeZone: a.timeZone,
    cycleDay: a.cycleDay,
    planId: a.plan.id,
    thresholds: a.thresholdsMicros.map((t) => moneyView(t, a.currency)),
    creditLimit: moneyView(a.creditLimitMicros, a.currency),
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  };
}
