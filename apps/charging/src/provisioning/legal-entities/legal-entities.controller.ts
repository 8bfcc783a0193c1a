import { Body, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { RequiresRole } from '@app/auth';
import { type Actor, CurrentActor } from '../auth/actor';
import { IdParam } from '../shared/params';
import { ErrorResponse, ProvisioningController } from '../shared/provisioning-controller';
import { CreateLegalEntityCommand, CreateLegalEntityUseCase } from './create-legal-entity.usecase';
import { GetLegalEntityUseCase } from './get-legal-entity.usecase';
import { PostalAddressBody } from '../billing-catalog/postal-address';
import { CreateLegalEntityBody, LegalEntityResponse, legalEntityResponse } from './legal-entity.dto';
import { ElectronicAddressBody } from '../billing-catalog/electronic-address';
import { PutElectronicAddressCommand, PutElectronicAddressUseCase } from './put-electronic-address.usecase';
import { PutPostalAddressCommand, PutPostalAddressUseCase } from './put-postal-address.usecase';

@ProvisioningController('v1/legal-entities', 'legal entities')
export class LegalEntitiesController {
  constructor(
    private readonly createLegalEntity: CreateLegalEntityUseCase,
    private readonly getLegalEntity: GetLegalEntityUseCase,
    private readonly putPostalAddress: PutPostalAddressUseCase,
    private readonly putElectronicAddress: PutElectronicAddressUseCase,
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

  @Put(':id/postal-address')
  @RequiresRole('write')
  @ApiOperation({
    summary: "Set a legal entity's structured postal address (the seller's address of its UBL e-invoices)",
    description: 'Replaces the address as a whole. Documents whose UBL was skipped for want of it get one at the next RENDER of their run.',
  })
  @ApiOkResponse({ type: LegalEntityResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  async putAddress(@CurrentActor() actor: Actor, @Param() p: IdParam, @Body() body: PostalAddressBody): Promise<LegalEntityResponse> {
    return legalEntityResponse(await this.putPostalAddress.execute(PutPostalAddressCommand.create(actor, p.id, body)));
  }

  @Put(':id/electronic-address')
  @RequiresRole('write')
  @ApiOperation({
    summary: "Set a legal entity's Peppol electronic address (EN 16931 BT-34, the seller's EndpointID of its UBL e-invoices)",
    description:
      'Replaces the address as a whole. E-invoices rendered from then on carry it; stored ones of issued documents are not rewritten.',
  })
  @ApiOkResponse({ type: LegalEntityResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  async putEndpoint(@CurrentActor() actor: Actor, @Param() p: IdParam, @Body() body: ElectronicAddressBody): Promise<LegalEntityResponse> {
    return legalEntityResponse(await this.putElectronicAddress.execute(PutElectronicAddressCommand.create(actor, p.id, body)));
  }
}
