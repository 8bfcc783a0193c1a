/** GET /v1/collections/ledger/checks (role read): the receivables ledger's invariants (ledger-checks.ts). */
import { Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery } from '@nestjs/swagger';
import { RequiresRole } from '@app/auth';
import type { Clock } from '@app/observability';
import { CollectionsApiController } from '../api/api-controller';
import { CLOCK } from '../api/tokens';
import { type RawQuery, readId, readQuery } from '../payments/query-params';
import { LedgerChecks, type LedgerCheckReport } from './ledger-checks';

@CollectionsApiController('v1/collections/ledger', 'ledger')
export class LedgerController {
  constructor(
    @Inject(LedgerChecks) private readonly checks: LedgerChecks,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('checks')
  @RequiresRole('read')
  @ApiOperation({
    summary:
      'Check the receivables ledger: every transaction sums to zero; per account, receivables = open documents - unapplied cash; unapplied cash = unallocated receipts',
  })
  @ApiQuery({ name: 'accountId', required: false, description: 'only this account (and the transactions that touch it)' })
  @ApiOkResponse({ description: '`ok`, and per check the rows checked, the offending count and up to LEDGER_CHECK_EXAMPLES_MAX examples' })
  run(@Query() query: RawQuery): Promise<LedgerCheckReport> {
    const q = readQuery(query, ['accountId']);
    const accountId = readId('accountId', q.accountId);
    return this.checks.run({ ...(accountId === undefined ? {} : { accountId }), nowMs: this.clock.nowMs() });
  }
}
