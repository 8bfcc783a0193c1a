import { Body, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
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
import { AccountResponse, accountResponse, CreateAccountBody, UpdateAccountBody } from './account.dto';
import { BalanceResponse, balanceResponse } from './balance.dto';
import { ChangeAccountStatusUseCase } from './change-account-status.usecase';
import { CreateAccountCommand, CreateAccountUseCase } from './create-account.usecase';
import { GetAccountUseCase } from './get-account.usecase';
import { GetBalanceUseCase } from './get-balance.usecase';
import { UpdateAccountCommand, UpdateAccountUseCase } from './update-account.usecase';
import { RequiresRole } from '@app/auth';

const PENDING = { description: 'Saved in PostgreSQL, not yet in the balance engine: run the rebuild for `accountId`', type: ErrorResponse };

@ProvisioningController('v1/accounts', 'billing accounts')
export class AccountsController {
  constructor(
    private readonly createAccount: CreateAccountUseCase,
    private readonly getAccount: GetAccountUseCase,
    private readonly updateAccount: UpdateAccountUseCase,
    private readonly changeStatus: ChangeAccountStatusUseCase,
    private readonly getBalance: GetBalanceUseCase,
  ) {}

  @Post()
  @RequiresRole('write')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a billing account (projected into the balance engine)' })
  @ApiCreatedResponse({ type: AccountResponse })
  @ApiConflictResponse({ description: 'id taken', type: ErrorResponse })
  @ApiUnprocessableEntityResponse({ description: 'customer or plan missing, plan in another currency', type: ErrorResponse })
  @ApiServiceUnavailableResponse(PENDING)
  async create(@CurrentActor() actor: Actor, @Body() body: CreateAccountBody): Promise<AccountResponse> {
    return accountResponse(await this.createAccount.execute(CreateAccountCommand.create(actor, body)));
  }

  @Get(':id')
  @RequiresRole('read')
  @ApiOperation({ summary: 'Get a billing account' })
  @ApiOkResponse({ type: AccountResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  async get(@Param() p: IdParam): Promise<AccountResponse> {
    return accountResponse(await this.getAccount.execute({ accountId: p.id }));
  }

  @Patch(':id')
  @RequiresRole('write')
  @ApiOperation({ summary: 'Update thresholds, credit limit and/or status' })
  @ApiOkResponse({ type: AccountResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  @ApiUnprocessableEntityResponse({ description: 'credit on a prepaid account, reopening a closed one', type: ErrorResponse })
  @ApiServiceUnavailableResponse(PENDING)
  async update(@CurrentActor() actor: Actor, @Param() p: IdParam, @Body() body: UpdateAccountBody): Promise<AccountResponse> {
    return accountResponse(await this.updateAccount.execute(UpdateAccountCommand.create(actor, p.id, body)));
  }

  @Post(':id/bar')
  @RequiresRole('write')
  @HttpCode(200)
  @ApiOperation({ summary: 'Bar the account: the engine denies service (idempotent)' })
  @ApiOkResponse({ type: AccountResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  @ApiUnprocessableEntityResponse({ description: 'account closed', type: ErrorResponse })
  @ApiServiceUnavailableResponse(PENDING)
  async bar(@CurrentActor() actor: Actor, @Param() p: IdParam): Promise<AccountResponse> {
    return accountResponse(await this.changeStatus.execute({ actor, accountId: p.id, status: 'BARRED' }));
  }

  @Post(':id/soft-bar')
  @RequiresRole('write')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Soft-bar the account (outgoing barred): the engine grants only services whose rate is free (idempotent)',
  })
  @ApiOkResponse({ type: AccountResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  @ApiUnprocessableEntityResponse({ description: 'account closed', type: ErrorResponse })
  @ApiServiceUnavailableResponse(PENDING)
  async softBar(@CurrentActor() actor: Actor, @Param() p: IdParam): Promise<AccountResponse> {
    return accountResponse(await this.changeStatus.execute({ actor, accountId: p.id, status: 'SOFT_BARRED' }));
  }

  @Post(':id/unbar')
  @RequiresRole('write')
  @HttpCode(200)
  @ApiOperation({ summary: 'Lift a bar or a soft bar (idempotent)' })
  @ApiOkResponse({ type: AccountResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  @ApiUnprocessableEntityResponse({ description: 'account closed', type: ErrorResponse })
  @ApiServiceUnavailableResponse(PENDING)
  async unbar(@CurrentActor() actor: Actor, @Param() p: IdParam): Promise<AccountResponse> {
    return accountResponse(await this.changeStatus.execute({ actor, accountId: p.id, status: 'ACTIVE' }));
  }

  @Get(':id/balance')
  @RequiresRole('read')
  @ApiOperation({ summary: 'Live balance, allowance buckets and open reservations (from the balance engine)' })
  @ApiOkResponse({ type: BalanceResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  @ApiServiceUnavailableResponse({ description: 'PROJECTION_MISSING: known to PostgreSQL, not to the engine', type: ErrorResponse })
  async balance(@Param() p: IdParam): Promise<BalanceResponse> {
    return balanceResponse(await this.getBalance.execute({ accountId: p.id }));
  }
}
