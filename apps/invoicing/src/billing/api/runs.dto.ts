/** Bodies and answers of the invoice-run API (OpenAPI classes; the commands validate the raw bodies). */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { RUN_PHASES, RUN_SHARDS_MAX, RUN_STATUSES, STEP_STATUSES } from '../run/run-phases';
import { RUN_WORKERS_MAX } from '../run/run-config';

export class StartRunBody {
  @ApiProperty({ description: 'The billing cycle to bill; it must be CLOSED', example: 'MONTHLY_1-2026-11' }) cycleId!: string;
  @ApiPropertyOptional({ description: `Shards of a new run (1-${RUN_SHARDS_MAX}); a resumed run keeps its own`, example: 8 })
  shards?: number;
  @ApiPropertyOptional({ description: `Workers per sharded phase (1-${RUN_WORKERS_MAX})`, example: 2 }) workers?: number;
}

export class RerunPhaseBody {
  @ApiPropertyOptional({ description: `Workers per sharded phase (1-${RUN_WORKERS_MAX})`, example: 2 }) workers?: number;
}

export class StepView {
  @ApiProperty({ enum: RUN_PHASES }) phase!: string;
  @ApiProperty() shardIndex!: number;
  @ApiProperty({ enum: STEP_STATUSES }) status!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty() itemsDone!: number;
  @ApiProperty() itemsTotal!: number;
  @ApiPropertyOptional({ nullable: true }) leaseOwner!: string | null;
  @ApiPropertyOptional({ nullable: true }) lastError!: string | null;
  @ApiPropertyOptional({ nullable: true, format: 'date-time' }) startedAt!: string | null;
  @ApiPropertyOptional({ nullable: true, format: 'date-time' }) finishedAt!: string | null;
}

export class PhaseView {
  @ApiProperty({ enum: RUN_PHASES }) phase!: string;
  @ApiProperty() steps!: number;
  @ApiProperty() pending!: number;
  @ApiProperty() running!: number;
  @ApiProperty() done!: number;
  @ApiProperty() failed!: number;
  @ApiProperty() itemsDone!: number;
  @ApiProperty() itemsTotal!: number;
  @ApiProperty({ type: [StepView] }) shards!: StepView[];
}

export class RunResponse {
  @ApiProperty() id!: string;
  @ApiProperty() cycleId!: string;
  @ApiProperty() shardCount!: number;
  @ApiProperty({ enum: RUN_STATUSES }) status!: string;
  @ApiPropertyOptional({ nullable: true, description: 'Stream position up to which the run bills usage (decimal string)' })
  usageWatermarkSeq!: string | null;
  @ApiPropertyOptional({ nullable: true }) previousWatermarkSeq!: string | null;
  @ApiProperty({ description: 'Whether a coordinator of this API process drives the run now' }) driving!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiPropertyOptional({ nullable: true, format: 'date-time' }) finishedAt!: string | null;
  @ApiProperty({ type: [PhaseView] }) phases!: PhaseView[];
}
