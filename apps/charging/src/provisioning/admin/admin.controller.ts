import { Body, HttpCode, Post } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Equals, IsOptional, IsString, Matches } from 'class-validator';
import { ID_PATTERN } from '../provisioning.limits';
import { ProvisioningError } from '../provisioning-error';
import { ErrorResponse, ProvisioningController } from '../shared/provisioning-controller';
import { type RebuildProjectionCommand, RebuildProjectionUseCase, type RebuildReport } from './rebuild-projection.usecase';

export class RebuildProjectionBody {
  @ApiPropertyOptional({ description: 'Rebuild this account (exactly one of accountId and all)' })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: `accountId must match ${ID_PATTERN.source}` })
  accountId?: string;

  @ApiPropertyOptional({ description: 'Rebuild every account and plan', enum: [true] })
  @IsOptional()
  @Equals(true, { message: 'all must be true when present' })
  all?: true;
}

class RebuildFailure {
  @ApiProperty() accountId!: string;
  @ApiProperty() error!: string;
}

export class RebuildReportResponse {
  @ApiProperty() accounts!: number;
  @ApiProperty({ description: 'Accounts the engine lacked, initialised from the PostgreSQL ledger (debits are not replayed)' }) accountsInitialisedFromLedger!: number;
  @ApiProperty() plans!: number;
  @ApiProperty() subscriptions!: number;
  @ApiProperty() grants!: number;
  @ApiProperty() topUpsFinished!: number;
  @ApiProperty({ type: [RebuildFailure] }) failed!: RebuildFailure[];
}

export function rebuildCommand(b: RebuildProjectionBody): RebuildProjectionCommand {
  if ((b.accountId === undefined) === (b.all === undefined)) throw ProvisioningError.invalid('accountId', 'send exactly one of accountId and all');
  return b.accountId !== undefined ? { accountId: b.accountId } : { all: true };
}

@ProvisioningController('v1/admin', 'admin')
export class AdminController {
  constructor(private readonly rebuild: RebuildProjectionUseCase) {}

  @Post('rebuild-projection')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Re-project PostgreSQL into the balance engine (one account or all)',
    description: 'Accounts the engine lacks start at their PostgreSQL ledger balance; debits from the rated-event journal are NOT replayed (known gap).',
  })
  @ApiOkResponse({ type: RebuildReportResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  async rebuildProjection(@Body() body: RebuildProjectionBody): Promise<RebuildReport> {
    return this.rebuild.execute(rebuildCommand(body));
  }
}
