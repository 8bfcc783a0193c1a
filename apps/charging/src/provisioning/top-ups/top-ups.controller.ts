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
import { CreateTopUpBody, IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, TopUpResponse, topUpResponse } from './top-up.dto';
import { RequiresRole } from '@app/auth';

@ProvisioningController('v1/accounts', 'top-ups')
export class TopUpsController {
  constructor(private readonly createTopUp: CreateTopUpUseCase) {}

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
}
