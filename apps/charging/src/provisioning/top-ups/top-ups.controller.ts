import { Body, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { type Actor, CurrentActor } from '../auth/actor';
import { IdParam } from '../shared/params';
import { ErrorResponse, ProvisioningController } from '../shared/provisioning-controller';
import { CreateTopUpCommand, CreateTopUpUseCase } from './create-top-up.usecase';
import { ReverseTopUpCommand, ReverseTopUpUseCase } from './reverse-top-up.usecase';
import {
  CreateTopUpBody,
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENT_REPLAYED_HEADER,
  ReverseTopUpBody,
  TopUpIdParams,
  TopUpResponse,
  topUpResponse,
} from './top-up.dto';
import { RequiresRole } from '@app/auth';

@ProvisioningController('v1/accounts', 'top-ups')
export class TopUpsController {
  constructor(
    private readonly createTopUp: CreateTopUpUseCase,
    private readonly reverseTopUp: ReverseTopUpUseCase,
  ) {}

  @Post(':id/top-ups')
  @RequiresRole('write')
  @HttpCode(201)
  @ApiOperation({ summary: 'Top up a prepaid account, once per idempotency key' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'Required unless the body has idempotencyKey. A retry with the same key and amount returns the first answer (with Idempotent-Replayed: true).',
  })
  @ApiCreatedResponse({
    type: TopUpResponse,
    headers: { 'Idempotent-Replayed': { description: 'true when this is the answer of an earlier request', schema: { type: 'string' } } },
  })
  @ApiNotFoundResponse({ type: ErrorResponse })
  @ApiConflictResponse({ description: 'IDEMPOTENCY_CONFLICT: the key was used with another amount', type: ErrorResponse })
  @ApiUnprocessableEntityResponse({ description: 'account postpaid or closed', type: ErrorResponse })
  @ApiServiceUnavailableResponse({ description: 'saved, not yet credited in the engine: retry the same request', type: ErrorResponse })
  async create(
    @CurrentActor() actor: Actor,
    @Param() p: IdParam,
    @Body() body: CreateTopUpBody,
    @Headers(IDEMPOTENCY_KEY_HEADER) headerKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TopUpResponse> {
    const result = await this.createTopUp.execute(CreateTopUpCommand.create(actor, p.id, body, headerKey));
    void reply.header(IDEMPOTENT_REPLAYED_HEADER, String(result.replayed));
    return topUpResponse(result.topUp, result.account.currency);
  }

  @Post(':id/top-ups/:topUpId/reversal')
  @RequiresRole('write')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Take a top-up back (its card payment was charged back), once per top-up; the balance may go below zero',
  })
  @ApiCreatedResponse({
    type: TopUpResponse,
    headers: {
      'Idempotent-Replayed': { description: 'true when the top-up was reversed already by this request', schema: { type: 'string' } },
    },
  })
  @ApiNotFoundResponse({ description: 'no such account, or no such top-up of it', type: ErrorResponse })
  @ApiConflictResponse({ description: 'IDEMPOTENCY_CONFLICT: the top-up was reversed already by another amount', type: ErrorResponse })
  @ApiUnprocessableEntityResponse({ description: 'the top-up is a reversal itself', type: ErrorResponse })
  @ApiServiceUnavailableResponse({ description: 'saved, not yet applied in the engine: retry the same request', type: ErrorResponse })
  async reverse(
    @CurrentActor() actor: Actor,
    @Param() p: TopUpIdParams,
    @Body() body: ReverseTopUpBody,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TopUpResponse> {
    const result = await this.reverseTopUp.execute(ReverseTopUpCommand.create(actor, p.id, p.topUpId, body));
    void reply.header(IDEMPOTENT_REPLAYED_HEADER, String(result.replayed));
    return topUpResponse(result.topUp, result.account.currency);
  }
}
