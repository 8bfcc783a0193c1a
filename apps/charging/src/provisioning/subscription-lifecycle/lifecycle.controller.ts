import { Body, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { RequiresRole } from '@app/auth';
import { type Actor, CurrentActor } from '../auth/actor';
import { IdParam } from '../shared/params';
import { ErrorResponse, ProvisioningController } from '../shared/provisioning-controller';
import { ChangeLifecycleUseCase, type LifecycleChangeResult } from './change-lifecycle.usecase';
import type { LifecycleChange } from './lifecycle-rules';
import { ChangeProductBody, LifecycleChangeResponse, LifecycleEventListResponse, lifecycleEventResponse } from './lifecycle.dto';
import { ListLifecycleEventsUseCase } from './list-lifecycle-events.usecase';

const REFUSED = { description: 'FAILED_PRECONDITION (reason INVALID_TRANSITION): not allowed in the current state', type: ErrorResponse };
const PENDING = {
  description: 'Saved, routes not yet changed in the balance engine: run the rebuild for `accountId`',
  type: ErrorResponse,
};

function changeResponse(r: LifecycleChangeResult): LifecycleChangeResponse {
  return { status: r.subscription.status, productId: r.subscription.product.id, event: lifecycleEventResponse(r.event) };
}

@ProvisioningController('v1/subscriptions', 'subscriptions')
export class LifecycleController {
  constructor(
    private readonly changeLifecycle: ChangeLifecycleUseCase,
    private readonly listEvents: ListLifecycleEventsUseCase,
  ) {}

  private async change(
    actor: Actor,
    subscriptionId: string,
    change: LifecycleChange,
    toProductId?: string,
  ): Promise<LifecycleChangeResponse> {
    return changeResponse(await this.changeLifecycle.execute({ actor, subscriptionId, change, toProductId }));
  }

  @Post(':id/suspend')
  @RequiresRole('write')
  @HttpCode(200)
  @ApiOperation({ summary: 'Suspend an ACTIVE subscription now: it is unrouted and cannot charge' })
  @ApiOkResponse({ type: LifecycleChangeResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  @ApiUnprocessableEntityResponse(REFUSED)
  @ApiServiceUnavailableResponse(PENDING)
  async suspend(@CurrentActor() actor: Actor, @Param() p: IdParam): Promise<LifecycleChangeResponse> {
    return this.change(actor, p.id, 'SUSPEND');
  }

  @Post(':id/resume')
  @RequiresRole('write')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resume a SUSPENDED subscription now: it is routed again' })
  @ApiOkResponse({ type: LifecycleChangeResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  @ApiUnprocessableEntityResponse(REFUSED)
  @ApiServiceUnavailableResponse(PENDING)
  async resume(@CurrentActor() actor: Actor, @Param() p: IdParam): Promise<LifecycleChangeResponse> {
    return this.change(actor, p.id, 'RESUME');
  }

  @Post(':id/cancel')
  @RequiresRole('write')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a subscription now (final): it is unrouted' })
  @ApiOkResponse({ type: LifecycleChangeResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  @ApiUnprocessableEntityResponse(REFUSED)
  @ApiServiceUnavailableResponse(PENDING)
  async cancel(@CurrentActor() actor: Actor, @Param() p: IdParam): Promise<LifecycleChangeResponse> {
    return this.change(actor, p.id, 'CANCEL');
  }

  @Post(':id/change-product')
  @RequiresRole('write')
  @HttpCode(200)
  @ApiOperation({ summary: 'Move a subscription to another product now (mid-cycle; billing prorates by the event)' })
  @ApiOkResponse({ type: LifecycleChangeResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  @ApiUnprocessableEntityResponse(REFUSED)
  async changeProduct(
    @CurrentActor() actor: Actor,
    @Param() p: IdParam,
    @Body() body: ChangeProductBody,
  ): Promise<LifecycleChangeResponse> {
    return this.change(actor, p.id, 'CHANGE_PRODUCT', body.productId);
  }

  @Get(':id/lifecycle-events')
  @RequiresRole('read')
  @ApiOperation({ summary: "A subscription's lifecycle events, in order" })
  @ApiOkResponse({ type: LifecycleEventListResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  async events(@Param() p: IdParam): Promise<LifecycleEventListResponse> {
    return { items: (await this.listEvents.execute({ subscriptionId: p.id })).map(lifecycleEventResponse) };
  }
}
