import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { USAGE_UNITS } from '@app/db';
import { GRANT_UNITS_MAX, ID_MAX_LENGTH, ID_PATTERN, RATING_GROUP_MAX, RATING_GROUPS_PER_GRANT_MAX } from '../provisioning.limits';

export class CreateChargeAllowanceBody {
  @ApiPropertyOptional({
    description: 'Template id; generated (`alw_...`) when absent',
    pattern: ID_PATTERN.source,
    maxLength: ID_MAX_LENGTH,
  })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: `id must match ${ID_PATTERN.source}` })
  id?: string;

  @ApiProperty({ enum: USAGE_UNITS })
  @IsIn(USAGE_UNITS)
  unit!: (typeof USAGE_UNITS)[number];

  @ApiPropertyOptional({
    type: [Number],
    maxItems: RATING_GROUPS_PER_GRANT_MAX,
    description: 'Rating groups the granted bucket pays for; empty or absent: every rating group of the unit',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(RATING_GROUPS_PER_GRANT_MAX)
  @IsInt({ each: true })
  @Min(0, { each: true })
  @Max(RATING_GROUP_MAX, { each: true })
  ratingGroups?: number[];

  @ApiProperty({
    minimum: 1,
    maximum: GRANT_UNITS_MAX,
    description: 'Seconds, bytes or events granted each paid period (a JSON integer: units are not money)',
  })
  @IsInt()
  @Min(1)
  @Max(GRANT_UNITS_MAX)
  units!: number;
}

export class ChargeAllowanceResponse {
  @ApiProperty() id!: string;
  @ApiProperty() chargeId!: string;
  @ApiProperty({ enum: USAGE_UNITS }) unit!: string;
  @ApiProperty({ type: [Number] }) ratingGroups!: number[];
  @ApiProperty() units!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class ChargeAllowanceListResponse {
  @ApiProperty({ type: [ChargeAllowanceResponse] }) items!: ChargeAllowanceResponse[];
}
