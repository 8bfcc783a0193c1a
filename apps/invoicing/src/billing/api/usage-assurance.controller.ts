/** GET /v1/billing/cycles/{cycleId}/usage-assurance: revenue assurance of a billed cycle's invoices (billing/assurance). */
import { Get, Inject, Param, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiResponse } from '@nestjs/swagger';
import { RequiresRole } from '@app/auth';
import { ErrorResponse, InvoicingApiController } from '../../api/api-controller';
import { parseAccountId, QueryReader } from '../../api/query-params';
import { UsageAssuranceService, type UsageAssuranceView } from '../assurance/usage-assurance';
import { idParam } from './documents-commands';

@InvoicingApiController('v1/billing', 'billing assurance')
export class UsageAssuranceController {
  constructor(@Inject(UsageAssuranceService) private readonly assurance: UsageAssuranceService) {}

  @Get('cycles/:cycleId/usage-assurance')
  @RequiresRole('billing')
  @ApiOperation({
    summary: "Revenue assurance of a billed cycle: published usage = ClickHouse = the run's invoiced usage, per account; every difference",
    description:
      "1. The rated stream against ClickHouse for the period (the reconciliation of GET /v1/assurance/reconcile, for the run's accounts). " +
      "2. The usage the run had to bill, read again from ClickHouse with the run's watermarks, against the USAGE lines of its issued " +
      'documents, exactly, per account and line key (service|ratingGroup|tariff|unit[|late]); DRAFT or HELD documents are listed, not compared. ' +
      "3. Events of the period stored after the run's watermark: billed late by the next run, or not billed yet. Read-only.",
  })
  @ApiQuery({ name: 'accountId', required: false, description: 'Only this account of the run' })
  @ApiOkResponse({ description: 'the report; `balanced` is true when nothing differs' })
  @ApiNotFoundResponse({
    description: 'No such cycle (CYCLE_NOT_FOUND), or the account is not in its run (ACCOUNT_NOT_FOUND)',
    type: ErrorResponse,
  })
  @ApiResponse({ status: 422, description: 'The cycle has no run past PLAN (NOT_INVOICED)', type: ErrorResponse })
  check(@Param('cycleId') cycleId: string, @Query() query: Record<string, unknown>): Promise<UsageAssuranceView> {
    const q = new QueryReader(query);
    const accountId = q.optional('accountId');
    q.finish();
    return this.assurance.check(idParam(cycleId, 'cycleId'), accountId === undefined ? undefined : parseAccountId(accountId));
  }
}
