import { Body, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { RequiresRole } from '@app/auth';
import { type Actor, CurrentActor } from '../auth/actor';
import { ErrorResponse, ProvisioningController } from '../shared/provisioning-controller';
import { CreateTaxRateCommand, CreateTaxRateUseCase } from './create-tax-rate.usecase';
import { ListTaxRatesUseCase } from './list-tax-rates.usecase';
import { CreateTaxRateBody, ListTaxRatesQuery, TaxRateListResponse, TaxRateResponse, taxRateResponse } from './tax-rate.dto';

@ProvisioningController('v1/tax-rates', 'tax rates')
export class TaxRatesController {
  constructor(
    private readonly createTaxRate: CreateTaxRateUseCase,
    private readonly listTaxRates: ListTaxRatesUseCase,
  ) {}

  @Post()
  @RequiresRole('write')
  @HttpCode(201)
  @ApiOperation({ summary: 'Add a tax rate of a jurisdiction and category over [validFrom, validTo)' })
  @ApiCreatedResponse({ type: TaxRateResponse })
  @ApiConflictResponse({ description: 'id taken', type: ErrorResponse })
  @ApiUnprocessableEntityResponse({
    description: 'FAILED_PRECONDITION (reason TAX_RATE_OVERLAP): the window overlaps another rate of the key',
    type: ErrorResponse,
  })
  async create(@CurrentActor() actor: Actor, @Body() body: CreateTaxRateBody): Promise<TaxRateResponse> {
    return taxRateResponse(await this.createTaxRate.execute(CreateTaxRateCommand.create(actor, body)));
  }

  @Get()
  @RequiresRole('read')
  @ApiOperation({ summary: 'List the tax rates of a jurisdiction' })
  @ApiOkResponse({ type: TaxRateListResponse })
  async list(@Query() q: ListTaxRatesQuery): Promise<TaxRateListResponse> {
    return { items: (await this.listTaxRates.execute({ jurisdiction: q.jurisdiction, category: q.category })).map(taxRateResponse) };
  }
}
