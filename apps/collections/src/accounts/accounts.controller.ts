/** Seed-003 account queries (role read): payment status and balance (account-standing.ts). */
import { Get, Inject, Param, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { RequiresRole } from '@app/auth';
import { CollectionsApiController } from '../api/api-controller';
import { CLOCK } from '../api/tokens';
import type { Clock } from '@app/observability';
import { type RawQuery, readId, readQuery } from '../payments/query-params';
import { type AccountBalanceView, AccountStanding, type PaymentStatusView } from './account-standing';

@CollectionsApiController('v1/collections/accounts', 'accounts')
export class AccountsController {
  constructor(
    @Inject(AccountStanding) private readonly standing: AccountStanding,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get(':accountId/payment-status')
  @RequiresRole('read')
  @ApiOperation({
    summary: "An account's payment status: CURRENT or OVERDUE (amount, oldest due date), the next due date and amount, the latest payments",
  })
  @ApiOkResponse({ description: 'the payment status; money in minor units as decimal strings' })
  @ApiNotFoundResponse({ description: 'NOT_FOUND: no such billing account' })
  paymentStatus(@Param('accountId') accountId: string, @Query() query: RawQuery): Promise<PaymentStatusView> {
    readQuery(query, []);
    return this.standing.paymentStatus(readId('accountId', accountId)!, this.clock.nowMs());
  }

  @Get(':accountId/balance')
  @RequiresRole('read')
  @ApiOperation({ summary: "An account's balance: receivables, credits (unapplied cash), net, credit limit and available credit" })
  @ApiOkResponse({ description: 'the balance; money in minor units as decimal strings' })
  @ApiNotFoundResponse({ description: 'NOT_FOUND: no such billing account' })
  balance(@Param('accountId') accountId: string, @Query() query: RawQuery): Promise<AccountBalanceView> {
    readQuery(query, []);
    return this.standing.balance(readId('accountId', accountId)!);
  }
}
