/**
 * Billing per account:
 * - the billing-cycle information (seed 003): the current period, the next billing date and the
 *   invoice expected so far; for billing operators (role billing), and for a portal user of the
 *   account (role read with a JWT whose `ratel_account` claim names it; another account is a 404);
 * - advance invoices (deposits and prepayments), role billing, with an Idempotency-Key.
 */
import { Body, Get, Headers, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiProperty, ApiResponse } from '@nestjs/swagger';
import { RequiresRole } from '@app/auth';
import { ErrorResponse, InvoicingApiController } from '../../api/api-controller';
import { ACTOR_REQUEST_KEY, CREDENTIAL_REQUEST_KEY, type RequestWithActor } from '../../api/auth.guard';
import { AccountCycleService, type AccountCycleView } from '../cycles/account-cycle';
import { BillingError, BillingErrorCode } from '../documents/billing-error';
import { ADVANCE_KINDS, BillingDocumentService } from '../documents/document-service';
import { advanceBody, idParam } from './documents-commands';
import { DocumentDetailView } from './documents.dto';

export class AdvanceInvoiceBody {
  @ApiProperty({ enum: ADVANCE_KINDS, description: 'DEPOSIT: no tax (outside the scope of VAT); PREPAYMENT: the standard rate today' })
  kind!: string;
  @ApiProperty({ example: '10000', description: 'net amount in minor units' }) netMinor!: string;
  @ApiProperty({ example: 'Deposit for the handset lease' }) description!: string;
}

class ExpectedInvoiceView {
  @ApiProperty({ enum: ['INVOICE', 'CREDIT_NOTE'] }) documentType!: 'INVOICE' | 'CREDIT_NOTE';
  @ApiProperty({ example: '965', description: 'minor units' }) usageMinor!: string;
  @ApiProperty({ example: '15000' }) netMinor!: string;
  @ApiProperty({ example: '2862' }) taxMinor!: string;
  @ApiProperty({ example: '17862' }) grossMinor!: string;
  @ApiProperty({ example: 23 }) lines!: number;
}

export class AccountCycleResponse implements AccountCycleView {
  @ApiProperty({ example: 'A1' }) accountId!: string;
  @ApiProperty({ example: 'MONTHLY_1' }) cycleType!: string;
  @ApiProperty({ example: 'MONTHLY_1-2026-12-01' }) cycleId!: string;
  @ApiProperty({ example: '2026-12-01', description: "local date in the cycle type's zone" }) periodStart!: string;
  @ApiProperty({ example: '2027-01-01', description: 'exclusive' }) periodEnd!: string;
  @ApiProperty({ example: 'UTC' }) timeZone!: string;
  @ApiProperty({ example: 'OPEN' }) status!: string;
  @ApiProperty({ example: '2027-01-04', description: 'the day the grace after the period ends: the earliest day the run bills it' })
  nextBillingDate!: string;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ type: ExpectedInvoiceView }) expected!: ExpectedInvoiceView;
  @ApiProperty({ example: '2026-12-03T09:00:00.000Z' }) asOf!: string;
}

@InvoicingApiController('v1/billing/accounts', 'billing accounts')
export class BillingAccountsController {
  constructor(
    @Inject(AccountCycleService) private readonly accounts: AccountCycleService,
    @Inject(BillingDocumentService) private readonly documents: BillingDocumentService,
  ) {}

  @Post(':accountId/advance-invoices')
  @HttpCode(201)
  @RequiresRole('billing')
  @ApiOperation({
    summary: 'Issue an advance invoice of the account: a deposit or a prepayment, which collections settles',
    description:
      'Issued at once in the ADV series of the account’s legal entity; posted to AR against CUSTOMER_ADVANCES (not revenue). ' +
      'The same Idempotency-Key gives the same document.',
  })
  @ApiParam({ name: 'accountId', example: 'A1' })
  @ApiHeader({ name: 'Idempotency-Key', required: true })
  @ApiBody({ type: AdvanceInvoiceBody })
  @ApiResponse({ status: 201, type: DocumentDetailView })
  @ApiNotFoundResponse({ description: 'No such account (ACCOUNT_NOT_FOUND)', type: ErrorResponse })
  @ApiResponse({ status: 422, description: 'IDEMPOTENCY_KEY_REUSED; NOT_INVOICED (a prepayment without a tax rate)', type: ErrorResponse })
  advance(
    @Param('accountId') accountId: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: unknown,
    @Req() req: RequestWithActor,
  ): Promise<DocumentDetailView> {
    return this.documents.advanceInvoice(idParam(accountId, 'accountId'), advanceBody(body, key), req[ACTOR_REQUEST_KEY]!);
  }

  @Get(':accountId/cycle')
  @RequiresRole('read')
  @ApiOperation({
    summary: "The account's current billing cycle: period, next billing date, and the invoice expected so far",
    description:
      'Computed as the invoice run would compute it now: recurring and one-time fees, discounts, the minimum commitment and tax, ' +
      'with the usage stored so far. For billing operators, and for a portal user of the account (JWT claim ratel_account).',
  })
  @ApiParam({ name: 'accountId', example: 'A1' })
  @ApiOkResponse({ type: AccountCycleResponse })
  @ApiNotFoundResponse({ description: 'No such account, or not the caller’s (ACCOUNT_NOT_FOUND)', type: ErrorResponse })
  @ApiResponse({ status: 422, description: 'Not invoiced: prepaid, or no billing cycle type (NOT_INVOICED)', type: ErrorResponse })
  async cycle(@Param('accountId') accountId: string, @Req() req: RequestWithActor): Promise<AccountCycleView> {
    const id = idParam(accountId, 'accountId');
    const credential = req[CREDENTIAL_REQUEST_KEY]!;
    if (!credential.roles.includes('billing') && credential.accountId !== id)
      throw new BillingError(BillingErrorCode.ACCOUNT_NOT_FOUND, `no billing account ${id}`, 'accountId');
    return this.accounts.current(id);
  }
}
