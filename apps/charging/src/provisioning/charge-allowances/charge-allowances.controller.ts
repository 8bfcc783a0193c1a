import { Body, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';
import { RequiresRole } from '@app/auth';
import { type Actor, CurrentActor } from '../auth/actor';
import { ID_MAX_LENGTH, ID_PATTERN } from '../provisioning.limits';
import { ErrorResponse, ProvisioningController } from '../shared/provisioning-controller';
import { ChargeAllowanceListResponse, ChargeAllowanceResponse, CreateChargeAllowanceBody } from './charge-allowance.dto';
import { type ChargeAllowance, ChargeAllowancesUseCase } from './charge-allowances.usecase';

export class ChargeParams {
  @ApiProperty({ pattern: ID_PATTERN.source })
  @IsString()
  @MaxLength(ID_MAX_LENGTH)
  @Matches(ID_PATTERN, { message: `id must match ${ID_PATTERN.source}` })
  id!: string;

  @ApiProperty({ pattern: ID_PATTERN.source })
  @IsString()
  @MaxLength(ID_MAX_LENGTH)
  @Matches(ID_PATTERN, { message: `chargeId must match ${ID_PATTERN.source}` })
  chargeId!: string;
}

const view = (a: ChargeAllowance): ChargeAllowanceResponse => ({ ...a, createdAt: a.createdAt.toISOString() });

@ProvisioningController('v1/products', 'products')
export class ChargeAllowancesController {
  constructor(private readonly allowances: ChargeAllowancesUseCase) {}

  @Post(':id/charges/:chargeId/allowances')
  @RequiresRole('write')
  @HttpCode(201)
  @ApiOperation({ summary: 'Add an allowance template to a RECURRING charge: each paid period (prepaid renewal) grants one bucket of it' })
  @ApiCreatedResponse({ type: ChargeAllowanceResponse })
  @ApiNotFoundResponse({ description: 'no such product or charge', type: ErrorResponse })
  @ApiConflictResponse({ description: 'id taken', type: ErrorResponse })
  @ApiUnprocessableEntityResponse({
    description: 'the charge is not RECURRING, or has ALLOWANCES_PER_CHARGE_MAX templates',
    type: ErrorResponse,
  })
  async create(
    @CurrentActor() actor: Actor,
    @Param() p: ChargeParams,
    @Body() body: CreateChargeAllowanceBody,
  ): Promise<ChargeAllowanceResponse> {
    return view(await this.allowances.create(actor, p.id, p.chargeId, body));
  }

  @Get(':id/charges/:chargeId/allowances')
  @RequiresRole('read')
  @ApiOperation({ summary: "A charge's allowance templates" })
  @ApiOkResponse({ type: ChargeAllowanceListResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  async list(@Param() p: ChargeParams): Promise<ChargeAllowanceListResponse> {
    return { items: (await this.allowances.list(p.id, p.chargeId)).map(view) };
  }
}
