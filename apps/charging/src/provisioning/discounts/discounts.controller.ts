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
import { CreateDiscountCommand, CreateDiscountUseCase } from './create-discount.usecase';
import { CreateDiscountBody, DiscountResponse, discountResponse } from './discount.dto';
import { GetDiscountUseCase } from './get-discount.usecase';

@ProvisioningController('v1/discounts', 'discounts')
export class DiscountsController {
  constructor(
    private readonly createDiscount: CreateDiscountUseCase,
    private readonly getDiscount: GetDiscountUseCase,
  ) {}

  @Post()
  @RequiresRole('write')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a discount: percent or fixed, on a charge, a service or the invoice, optionally cross-product' })
  @ApiCreatedResponse({ type: DiscountResponse })
  @ApiConflictResponse({ description: 'id taken', type: ErrorResponse })
  @ApiUnprocessableEntityResponse({
    description: 'charge or required products missing, or a currency other than the charge',
    type: ErrorResponse,
  })
  async create(@CurrentActor() actor: Actor, @Body() body: CreateDiscountBody): Promise<DiscountResponse> {
    return discountResponse(await this.createDiscount.execute(CreateDiscountCommand.create(actor, body)));
  }

  @Get(':id')
  @RequiresRole('read')
  @ApiOperation({ summary: 'Get a discount' })
  @ApiOkResponse({ type: DiscountResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  async get(@Param() p: IdParam): Promise<DiscountResponse> {
    return discountResponse(await this.getDiscount.execute({ discountId: p.id }));
  }
}
