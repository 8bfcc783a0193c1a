import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';
import { USAGE_UNITS } from '@app/db';
import { AllowanceUnitsBody } from '../grants/grant.dto';
import { ID_MAX_LENGTH, ID_PATTERN } from '../provisioning.limits';

/** A template granted at each paid period: the shape of a grant (unit, rating groups, units) and an optional id. */
export class CreateChargeAllowanceBody extends AllowanceUnitsBody {
  @ApiPropertyOptional({
    description: 'Template id; generated (`alw_...`) when absent',
    pattern: ID_PATTERN.source,
    maxLength: ID_MAX_LENGTH,
  })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: `id must match ${ID_PATTERN.source}` })
  id?: string;
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
