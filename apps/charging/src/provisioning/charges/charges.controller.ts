import { Body, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { RequiresRole } from '@app/auth';
import { type Actor, CurrentActor } from '../auth/actor';
import { IdParam } from '../shared/params';
import { ErrorResponse, ProvisioningController } from '../shared/provisioning-controller';
import { ChargeListResponse, ChargeResponse, chargeResponse, CreateChargeBody } from './charge.dto';
import { CreateChargeCommand, CreateChargeUseCase } from './create-charge.usecase';
import { ListChargesUseCase } from './list-charges.usecase';

@ProvisioningController('v1/products', 'products')
export class ChargesController {
  constructor(
    private readonly createCharge: CreateChargeUseCase,
    private readonly listCharges: ListChargesUseCase,
  ) {}

  @Post(':id/charges')
  @RequiresRole('write')
  @HttpCode(201)
  @ApiOperation({ summary: 'Add a recurring or one-time charge to a product' })
  @ApiCreatedResponse({ type: ChargeResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  @ApiConflictResponse({ description: 'id taken', type: ErrorResponse })
  @ApiUnprocessableEntityResponse({ description: 'the product has CHARGES_PER_PRODUCT_MAX charges', type: ErrorResponse })
  async create(@CurrentActor() actor: Actor, @Param() p: IdParam, @Body() body: CreateChargeBody): Promise<ChargeResponse> {
    return chargeResponse(await this.createCharge.execute(CreateChargeCommand.create(actor, p.id, body)));
  }

  @Get(':id/charges')
  @RequiresRole('read')
  @ApiOperation({ summary: "List a product's charges" })
  @ApiOkResponse({ type: ChargeListResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  async list(@Param() p: IdParam): Promise<ChargeListResponse> {
    return { items: (await this.listCharges.execute({ productId: p.id })).map(chargeResponse) };
  }
}
