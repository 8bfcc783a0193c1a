import { Body, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { type Actor, CurrentActor } from '../auth/actor';
import { ErrorResponse, ProvisioningController } from '../shared/provisioning-controller';
import { IdParam } from '../shared/params';
import { CreateCustomerCommand, CreateCustomerUseCase } from './create-customer.usecase';
import { CreateCustomerBody, CustomerResponse, customerResponse } from './customer.dto';
import { GetCustomerUseCase } from './get-customer.usecase';
import { RequiresRole } from '@app/auth';

@ProvisioningController('v1/customers', 'customers')
export class CustomersController {
  constructor(
    private readonly createCustomer: CreateCustomerUseCase,
    private readonly getCustomer: GetCustomerUseCase,
  ) {}

  @Post()
  @RequiresRole('write')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a customer' })
  @ApiCreatedResponse({ type: CustomerResponse })
  @ApiConflictResponse({ description: 'id or externalRef taken', type: ErrorResponse })
  async create(@CurrentActor() actor: Actor, @Body() body: CreateCustomerBody): Promise<CustomerResponse> {
    return customerResponse(await this.createCustomer.execute(CreateCustomerCommand.create(actor, body)));
  }

  @Get(':id')
  @RequiresRole('read')
  @ApiOperation({ summary: 'Get a customer' })
  @ApiOkResponse({ type: CustomerResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  async get(@Param() params: IdParam): Promise<CustomerResponse> {
    return customerResponse(await this.getCustomer.execute({ customerId: params.id }));
  }
}
