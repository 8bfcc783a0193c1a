import { Body, Get, Param, Put } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { RequiresRole } from '@app/auth';
import { type Actor, CurrentActor } from '../auth/actor';
import { IdParam } from '../shared/params';
import { ErrorResponse, ProvisioningController } from '../shared/provisioning-controller';
import { BillingTermsResponse, billingTermsResponse, PutBillingTermsBody } from './billing-terms.dto';
import { GetBillingTermsUseCase } from './get-billing-terms.usecase';
import { PutBillingTermsCommand, PutBillingTermsUseCase } from './put-billing-terms.usecase';

@ProvisioningController('v1/accounts', 'billing accounts')
export class BillingTermsController {
  constructor(
    private readonly putBillingTerms: PutBillingTermsUseCase,
    private readonly getBillingTerms: GetBillingTermsUseCase,
  ) {}

  @Put(':id/billing-terms')
  @RequiresRole('write')
  @ApiOperation({
    summary: "Replace an account's billing terms (cycle type, payment terms, tax jurisdiction, delivery, legal entity, minimum)",
  })
  @ApiOkResponse({ type: BillingTermsResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  @ApiUnprocessableEntityResponse({ description: 'legal entity missing, or the account is CLOSED', type: ErrorResponse })
  async put(@CurrentActor() actor: Actor, @Param() p: IdParam, @Body() body: PutBillingTermsBody): Promise<BillingTermsResponse> {
    return billingTermsResponse(await this.putBillingTerms.execute(PutBillingTermsCommand.create(actor, p.id, body)));
  }

  @Get(':id/billing-terms')
  @RequiresRole('read')
  @ApiOperation({ summary: "Get an account's billing terms" })
  @ApiOkResponse({ type: BillingTermsResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  async get(@Param() p: IdParam): Promise<BillingTermsResponse> {
    return billingTermsResponse(await this.getBillingTerms.execute({ accountId: p.id }));
  }
}
