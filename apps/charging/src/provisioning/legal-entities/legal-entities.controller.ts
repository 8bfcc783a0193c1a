import { Body, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { RequiresRole } from '@app/auth';
import { type Actor, CurrentActor } from '../auth/actor';
import { IdParam } from '../shared/params';
import { ErrorResponse, ProvisioningController } from '../shared/provisioning-controller';
import { CreateLegalEntityCommand, CreateLegalEntityUseCase } from './create-legal-entity.usecase';
import { GetLegalEntityUseCase } from './get-legal-entity.usecase';
import { CreateLegalEntityBody, LegalEntityResponse, legalEntityResponse } from './legal-entity.dto';

@ProvisioningController('v1/legal-entities', 'legal entities')
export class LegalEntitiesController {
  constructor(
    private readonly createLegalEntity: CreateLegalEntityUseCase,
    private readonly getLegalEntity: GetLegalEntityUseCase,
  ) {}

  @Post()
  @RequiresRole('write')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a legal entity (the seller of documents and prefix of its number series)' })
  @ApiCreatedResponse({ type: LegalEntityResponse })
  @ApiConflictResponse({ description: 'id or numberSeriesPrefix taken', type: ErrorResponse })
  async create(@CurrentActor() actor: Actor, @Body() body: CreateLegalEntityBody): Promise<LegalEntityResponse> {
    return legalEntityResponse(await this.createLegalEntity.execute(CreateLegalEntityCommand.create(actor, body)));
  }

  @Get(':id')
  @RequiresRole('read')
  @ApiOperation({ summary: 'Get a legal entity' })
  @ApiOkResponse({ type: LegalEntityResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  async get(@Param() p: IdParam): Promise<LegalEntityResponse> {
    return legalEntityResponse(await this.getLegalEntity.execute({ legalEntityId: p.id }));
  }
}
