import { Body, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { type Actor, CurrentActor } from '../auth/actor';
import { IdParam } from '../shared/params';
import { ErrorResponse, ProvisioningController } from '../shared/provisioning-controller';
import { CreateSubscriptionCommand, CreateSubscriptionUseCase } from './create-subscription.usecase';
import { DeleteSubscriptionUseCase } from './delete-subscription.usecase';
import { GetSubscriptionUseCase } from './get-subscription.usecase';
import { ListSubscriptionsUseCase } from './list-subscriptions.usecase';
import {
  CreateSubscriptionBody,
  deletedSubscriptionResponse,
  ListSubscriptionsQuery,
  SubscriptionPage,
  SubscriptionResponse,
  subscriptionResponse,
} from './subscription.dto';
import { RequiresRole } from '@app/auth';

@ProvisioningController('v1', 'subscriptions')
export class SubscriptionsController {
  constructor(
    private readonly createSubscription: CreateSubscriptionUseCase,
    private readonly getSubscription: GetSubscriptionUseCase,
    private readonly deleteSubscription: DeleteSubscriptionUseCase,
    private readonly listSubscriptions: ListSubscriptionsUseCase,
  ) {}

  @Post('subscriptions')
  @RequiresRole('write')
  @HttpCode(201)
  @ApiOperation({ summary: 'Map an MSISDN and IMSI to an account and a product (routed in the balance engine)' })
  @ApiCreatedResponse({ type: SubscriptionResponse })
  @ApiConflictResponse({ description: 'id, MSISDN or IMSI taken', type: ErrorResponse })
  @ApiUnprocessableEntityResponse({ description: 'account missing or closed, product missing', type: ErrorResponse })
  @ApiServiceUnavailableResponse({ description: 'saved, not yet routed: run the rebuild for `accountId`', type: ErrorResponse })
  async create(@CurrentActor() actor: Actor, @Body() body: CreateSubscriptionBody): Promise<SubscriptionResponse> {
    return subscriptionResponse(await this.createSubscription.execute(CreateSubscriptionCommand.create(actor, body)));
  }

  @Get('subscriptions/:id')
  @RequiresRole('read')
  @ApiOperation({ summary: 'Get a subscription' })
  @ApiOkResponse({ type: SubscriptionResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  async get(@Param() p: IdParam): Promise<SubscriptionResponse> {
    return subscriptionResponse(await this.getSubscription.execute({ subscriptionId: p.id }));
  }

  @Delete('subscriptions/:id')
  @RequiresRole('write')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Delete a subscription and unroute its MSISDN and IMSI; returns what was deleted. Idempotent: repeating it repeats the unroute',
  })
  @ApiOkResponse({ type: SubscriptionResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  @ApiServiceUnavailableResponse({ description: 'deleted, routes not yet removed: repeat the DELETE', type: ErrorResponse })
  async remove(@CurrentActor() actor: Actor, @Param() p: IdParam): Promise<SubscriptionResponse> {
    return deletedSubscriptionResponse(await this.deleteSubscription.execute({ actor, subscriptionId: p.id }));
  }

  @Get('accounts/:id/subscriptions')
  @RequiresRole('read')
  @ApiOperation({ summary: "List an account's subscriptions (keyset pages by id)" })
  @ApiOkResponse({ type: SubscriptionPage })
  @ApiNotFoundResponse({ type: ErrorResponse })
  async list(@Param() p: IdParam, @Query() q: ListSubscriptionsQuery): Promise<SubscriptionPage> {
    const page = await this.listSubscriptions.execute({ accountId: p.id, limit: q.limit, after: q.after });
    return { items: page.items.map(subscriptionResponse), next: page.next };
  }
}
