import { Body, HttpCode, Inject, Param, Post } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { CLOCK, type Clock } from '@app/observability';
import { type Actor, CurrentActor } from '../auth/actor';
import { IdParam } from '../shared/params';
import { ErrorResponse, ProvisioningController } from '../shared/provisioning-controller';
import { CreateGrantCommand, CreateGrantUseCase } from './create-grant.usecase';
import { CreateGrantBody, GrantResponse, grantResponse } from './grant.dto';
import { RequiresRole } from '@app/auth';

@ProvisioningController('v1/accounts', 'allowances')
export class GrantsController {
  constructor(
    private readonly createGrant: CreateGrantUseCase,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post(':id/grants')
  @RequiresRole('write')
  @HttpCode(201)
  @ApiOperation({ summary: 'Grant an allowance bucket to the account (projected into the balance engine)' })
  @ApiCreatedResponse({ type: GrantResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  @ApiConflictResponse({ description: 'bucket id taken', type: ErrorResponse })
  @ApiUnprocessableEntityResponse({ description: 'account closed', type: ErrorResponse })
  @ApiServiceUnavailableResponse({ description: 'saved, not yet in the engine: run the rebuild for `accountId`', type: ErrorResponse })
  async create(@CurrentActor() actor: Actor, @Param() p: IdParam, @Body() body: CreateGrantBody): Promise<GrantResponse> {
    return grantResponse(await this.createGrant.execute(CreateGrantCommand.create(actor, p.id, body, this.clock.nowMs())));
  }
}
