import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { USAGE_UNITS } from '@app/db';
import type { AllowanceGrant } from '@app/db/provisioning';
import { GRANT_UNITS_MAX, ID_MAX_LENGTH, ID_PATTERN, RATING_GROUP_MAX, RATING_GROUPS_PER_GRANT_MAX } from '../provisioning.limits';

/** An allowance's shape: its unit, the rating groups it pays for and its units (a grant, or a charge's template). */
export class AllowanceUnitsBody {
  @ApiProperty({ enum: USAGE_UNITS })
  @IsIn(USAGE_UNITS)
  unit!: (typeof USAGE_UNITS)[number];

  @ApiPropertyOptional({
    type: [Number],
    maxItems: RATING_GROUPS_PER_GRANT_MAX,
    description: 'Rating groups the allowance pays for; empty or absent: every rating group of the unit',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(RATING_GROUPS_PER_GRANT_MAX)
  @IsInt({ each: true })
  @Min(0, { each: true })
  @Max(RATING_GROUP_MAX, { each: true })
  ratingGroups?: number[];

  @ApiProperty({ minimum: 1, maximum: GRANT_UNITS_MAX, description: 'Seconds, bytes or events (a JSON integer: units are not money)' })
  @IsInt()
  @Min(1)
  @Max(GRANT_UNITS_MAX)
  units!: number;
}

export class CreateGrantBody extends AllowanceUnitsBody {
  @ApiPropertyOptional({
    description: 'Bucket id; generated (`bkt_...`) when absent',
    pattern: ID_PATTERN.source,
    maxLength: ID_MAX_LENGTH,
  })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: `id must match ${ID_PATTERN.source}` })
  id?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Default: now' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  validFrom?: string;

  @ApiProperty({ format: 'date-time' })
  @IsISO8601({ strict: true, strictSeparator: true })
  expiresAt!: string;
}

export class GrantResponse {
  @ApiProperty() id!: string;
  @ApiProperty() accountId!: string;
  @ApiProperty({ enum: USAGE_UNITS }) unit!: string;
  @ApiProperty({ type: [Number] }) ratingGroups!: number[];
  @ApiProperty() units!: number;
  @ApiProperty({ format: 'date-time' }) validFrom!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export function grantResponse(g: AllowanceGrant): GrantResponse {
  return {
    id: g.id,
    accountId: g.account.id,
    unit: g.unit,
    ratingGroups: [...g.ratingGroups],
    units: g.units,
    validFrom: g.validFrom.toISOString(),
    expiresAt: g.expiresAt.toISOString(),
    createdAt: g.createdAt.toISOString(),
  };
}
