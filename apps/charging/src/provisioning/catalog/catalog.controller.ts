import { Body, Get, HttpCode, Param, Post } from '@nestjs/common';
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
import { AddPlanVersionCommand, AddPlanVersionUseCase } from './add-plan-version.usecase';
import {
  AddPlanVersionBody,
  CreatePricePlanBody,
  CreateProductBody,
  PlanIdParam,
  PlanVersionParam,
  PricePlanResponse,
  pricePlanResponse,
  ProductResponse,
  productResponse,
} from './catalog.dto';
import { CreatePricePlanCommand, CreatePricePlanUseCase } from './create-price-plan.usecase';
import { CreateProductCommand, CreateProductUseCase } from './create-product.usecase';
import { GetPricePlanUseCase } from './get-price-plan.usecase';
import { GetProductUseCase } from './get-product.usecase';
import { RequiresRole } from '@app/auth';

@ProvisioningController('v1/products', 'catalog')
export class ProductsController {
  constructor(
    private readonly createProduct: CreateProductUseCase,
    private readonly getProduct: GetProductUseCase,
  ) {}

  @Post()
  @RequiresRole('write')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a product' })
  @ApiCreatedResponse({ type: ProductResponse })
  @ApiConflictResponse({ type: ErrorResponse })
  async create(@CurrentActor() actor: Actor, @Body() body: CreateProductBody): Promise<ProductResponse> {
    return productResponse(await this.createProduct.execute(CreateProductCommand.create(actor, body)), []);
  }

  @Get(':id')
  @RequiresRole('read')
  @ApiOperation({ summary: 'Get a product and the ids of its price plans' })
  @ApiOkResponse({ type: ProductResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  async get(@Param() p: IdParam): Promise<ProductResponse> {
    const { product, pricePlanIds } = await this.getProduct.execute({ productId: p.id });
    return productResponse(product, pricePlanIds);
  }
}

@ProvisioningController('v1/price-plans', 'catalog')
export class PricePlansController {
  constructor(
    private readonly createPlan: CreatePricePlanUseCase,
    private readonly addVersion: AddPlanVersionUseCase,
    private readonly getPlan: GetPricePlanUseCase,
  ) {}

  @Post()
  @RequiresRole('write')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a price plan (id and version from the plan JSON); stored in the balance engine' })
  @ApiCreatedResponse({ type: PricePlanResponse })
  @ApiConflictResponse({ description: 'plan id taken', type: ErrorResponse })
  @ApiUnprocessableEntityResponse({ description: 'product missing', type: ErrorResponse })
  @ApiServiceUnavailableResponse({ description: 'saved, not yet in the engine', type: ErrorResponse })
  async create(@CurrentActor() actor: Actor, @Body() body: CreatePricePlanBody): Promise<PricePlanResponse> {
    const { plan, version } = await this.createPlan.execute(CreatePricePlanCommand.create(actor, body));
    return pricePlanResponse(plan, version);
  }

  @Post(':id/versions')
  @RequiresRole('write')
  @HttpCode(201)
  @ApiOperation({ summary: 'Add a newer version and make it current' })
  @ApiCreatedResponse({ type: PricePlanResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  @ApiConflictResponse({ description: 'version not newer', type: ErrorResponse })
  @ApiUnprocessableEntityResponse({ description: 'currency changed', type: ErrorResponse })
  @ApiServiceUnavailableResponse({ description: 'saved, not yet in the engine', type: ErrorResponse })
  async addPlanVersion(
    @CurrentActor() actor: Actor,
    @Param() p: PlanIdParam,
    @Body() body: AddPlanVersionBody,
  ): Promise<PricePlanResponse> {
    const { plan, version } = await this.addVersion.execute(AddPlanVersionCommand.create(actor, p.id, body));
    return pricePlanResponse(plan, version);
  }

  @Get(':id')
  @RequiresRole('read')
  @ApiOperation({ summary: 'Get a price plan with its current version' })
  @ApiOkResponse({ type: PricePlanResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  async get(@Param() p: PlanIdParam): Promise<PricePlanResponse> {
    const { plan, version } = await this.getPlan.execute({ planId: p.id });
    return pricePlanResponse(plan, version);
  }

  @Get(':id/versions/:version')
  @RequiresRole('read')
  @ApiOperation({ summary: 'Get one version of a price plan' })
  @ApiOkResponse({ type: PricePlanResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  async getVersion(@Param() p: PlanVersionParam): Promise<PricePlanResponse> {
    const { plan, version } = await this.getPlan.execute({ planId: p.id, version: p.version });
    return pricePlanResponse(plan, version);
  }
}
