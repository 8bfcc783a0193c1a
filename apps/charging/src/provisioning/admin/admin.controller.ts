import { Body, HttpCode, Post } from '@nestjs/common';
import {
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiServiceUnavailableResponse,
} from '@nestjs/swagger';
import { Equals, IsOptional, IsString, Matches } from 'class-validator';
import { ID_PATTERN } from '../provisioning.limits';
import { ProvisioningError } from '../provisioning-error';
import { ErrorResponse, ProvisioningController } from '../shared/provisioning-controller';
import { type RebuildProjectionCommand, RebuildProjectionUseCase, type RebuildReport } from './rebuild-projection.usecase';
import { RequiresRole } from '@app/auth';

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

class RebuildJournal {
  @ApiProperty({ description: 'Stream sequence the journal had applied up to' }) position!: number;
  @ApiProperty({ description: 'Last sequence of the rated-event stream when the catch-up started', nullable: true, type: Number })
  streamLastSeq!: number | null;
  @ApiProperty({ description: 'Events the stream removed before the journal read them (restored balances miss them)' }) eventsLost!: number;
  @ApiProperty({ description: 'Events skipped because they failed the ratel.rated.v1 schema' }) eventsInvalid!: number;
  @ApiProperty({ description: 'Times the stream was found created anew and read again from its start' }) streamResets!: number;
  @ApiProperty({ description: 'Events the journal could not apply, parked in journal_parked_event (invalid ones included)' })
  eventsParked!: number;
}

export class RebuildReportResponse {
  @ApiProperty() accounts!: number;
  @ApiProperty({
    description: 'Accounts the engine lacked and the balance journal has not seen, created at their PostgreSQL ledger balance',
  })
  accountsInitialisedFromLedger!: number;
  @ApiProperty({
    description: 'Accounts the engine lacked, created from the balance journal: balance, allowance units used, tier counters',
  })
  accountsRestoredFromJournal!: number;
  @ApiProperty({ type: RebuildJournal, nullable: true }) journal!: RebuildJournal | null;
  @ApiProperty() plans!: number;
  @ApiProperty() subscriptions!: number;
  @ApiProperty() grants!: number;
  @ApiProperty() topUpsFinished!: number;
  @ApiProperty({ type: [RebuildFailure] }) failed!: RebuildFailure[];
}

export function rebuildCommand(b: RebuildProjectionBody): RebuildProjectionCommand {
  if ((b.accountId === undefined) === (b.all === undefined))
    throw ProvisioningError.invalid('accountId', 'send exactly one of accountId and all');
  return b.accountId !== undefined ? { accountId: b.accountId } : { all: true };
}

@ProvisioningController('v1/admin', 'admin')
export class AdminController {
  constructor(private readonly rebuild: RebuildProjectionUseCase) {}

  @Post('rebuild-projection')
  @RequiresRole('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Re-project PostgreSQL into the balance engine (one account or all)',
    description:
      'First catches the balance journal up with the rated-event stream (503 JOURNAL_UNAVAILABLE when it cannot; nothing is changed then). ' +
      'An account the engine lacks is created from the journal (balance, allowance units used, tier counters of the current cycle), or at its ledger balance when the journal has not seen it. ' +
      'What the engine has keeps its balance.',
  })
  @ApiOkResponse({ type: RebuildReportResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  @ApiServiceUnavailableResponse({ description: 'JOURNAL_UNAVAILABLE: the journal could not be caught up', type: ErrorResponse })
  async rebuildProjection(@Body() body: RebuildProjectionBody): Promise<RebuildReport> {
    return this.rebuild.execute(rebuildCommand(body));
  }
}
