/** GET /v1/assurance/reconcile: published (JetStream) against stored (ClickHouse) for a period. */
import { Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiResponse } from '@nestjs/swagger';
import { ErrorResponse, InvoicingApiController } from '../api/api-controller';
import type { RawQuery } from '../api/query-params';
import { ReconcileReportView } from './assurance.dto';
import { ASSURANCE_PERIOD_MAX_DAYS, reconcileCommand } from './reconcile-command';
import { ReconcileUseCase } from './reconcile.usecase';
import { RequiresRole } from '@app/auth';

@InvoicingApiController('v1/assurance', 'assurance')
export class AssuranceController {
  constructor(@Inject(ReconcileUseCase) private readonly reconcile: ReconcileUseCase) {}

  @Get('reconcile')
  @RequiresRole('read')
  @ApiOperation({
    summary: 'Compare the events published on the rated stream with ClickHouse for a period; list every difference',
    description:
      'Reads the events that occurred in the period (event time) back from JetStream with an ordered consumer (one subject ' +
      'per account, or all; from the period start to the end of the stream, so events published late are included), ' +
      'de-duplicates by eventId, and compares counts, amounts and event ids per account and type with the de-duplicated ' +
      'ClickHouse rows of the period. Events published after the period end plus ASSURANCE_PUBLISH_DELAY_MAX_MS are listed ' +
      'as lateArrivals, not as differences. Run it on periods the sink has caught up with.',
  })
  @ApiQuery({ name: 'from', required: true, description: 'Start (inclusive): YYYY-MM-DD or ISO 8601 date-time', example: '2026-11-01' })
  @ApiQuery({
    name: 'to',
    required: true,
    description: `End (exclusive), at most ${ASSURANCE_PERIOD_MAX_DAYS} days after from`,
    example: '2026-12-01',
  })
  @ApiQuery({ name: 'accountId', required: false, description: 'Only this account (its subject alone is read)' })
  @ApiOkResponse({ type: ReconcileReportView })
  @ApiResponse({
    status: 422,
    description: 'More than ASSURANCE_EVENTS_MAX events or ASSURANCE_SCAN_MESSAGES_MAX messages (LIMIT_EXCEEDED)',
    type: ErrorResponse,
  })
  @ApiResponse({ status: 429, description: 'A reconciliation is already running (BUSY)', type: ErrorResponse })
  getReconcile(@Query() query: RawQuery): Promise<ReconcileReportView> {
    return this.reconcile.execute(reconcileCommand(query));
  }
}
