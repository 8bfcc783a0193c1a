/**
 * REST of deposits (role collections to take and apply, read to look). A deposit is returned through
 * the refunds route (`POST /v1/collections/refunds` with `depositId`): the same breakers and four eyes.
 */
import { Body, Get, Headers, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import {
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { RequiresRole } from '@app/auth';
import type { Clock } from '@app/observability';
import { CollectionsApiController } from '../api/api-controller';
import { ACTOR_REQUEST_KEY, type RequestWithActor } from '../api/auth.guard';
import { CLOCK } from '../api/tokens';
import { PAGE_LIMIT_MAX, type RawQuery, readBody, readId, readOneOf, readPage, readQuery } from '../payments/query-params';
import { DEPOSIT_METHODS, DEPOSIT_STATUSES, Deposits, type DepositView, parseDepositRequest } from './deposits';

@CollectionsApiController('v1/collections/deposits', 'deposits')
export class DepositsController {
  constructor(
    @Inject(Deposits) private readonly deposits: Deposits,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @HttpCode(201)
  @RequiresRole('collections')
  @ApiOperation({
    summary: 'Take a deposit: money held on the account as security',
    description:
      'Posted DEPOSIT_RECEIVED (BANK against DEPOSITS_HELD of the account). The same Idempotency-Key again answers the deposit ' +
      '(created: false); with another request it is 409. Returned through POST /v1/collections/refunds with depositId.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: true, description: '1-100 printable characters, one per deposit' })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['accountId', 'amountMinor', 'currency', 'method', 'valueDate'],
      additionalProperties: false,
      properties: {
        accountId: { type: 'string' },
        amountMinor: { type: 'string', pattern: '^[1-9][0-9]{0,17}$' },
        currency: { type: 'string', example: 'EUR' },
        method: { type: 'string', enum: [...DEPOSIT_METHODS] },
        valueDate: { type: 'string', format: 'date', description: 'when the money was received: not in the future' },
        reason: { type: 'string', maxLength: 140 },
      },
    },
  })
  @ApiCreatedResponse({ description: 'the deposit and created' })
  @ApiConflictResponse({ description: 'CONFLICT: the Idempotency-Key was used for another deposit' })
  @ApiUnprocessableEntityResponse({ description: 'DEPOSIT_REFUSED: an unknown account, or not its currency' })
  async receive(
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Body() body: unknown,
    @Req() req: RequestWithActor,
  ): Promise<Record<string, unknown>> {
    const b = readBody(body, ['accountId', 'amountMinor', 'currency', 'method', 'valueDate', 'reason']);
    const today = new Date(this.clock.nowMs()).toISOString().slice(0, 10);
    const r = await this.deposits.receive(
      parseDepositRequest(idempotencyKey, b, req[ACTOR_REQUEST_KEY] ?? 'unknown', today),
      this.clock.nowMs(),
    );
    return { ...r.deposit, created: r.created };
  }

  @Get()
  @RequiresRole('read')
  @ApiOperation({ summary: 'Deposits, newest first' })
  @ApiQuery({ name: 'accountId', required: false })
  @ApiQuery({ name: 'status', required: false, enum: [...DEPOSIT_STATUSES] })
  @ApiQuery({ name: 'offset', required: false })
  @ApiQuery({ name: 'limit', required: false, description: `1-${PAGE_LIMIT_MAX}` })
  @ApiOkResponse({ description: '{ items, total }' })
  async list(@Query() query: RawQuery): Promise<{ items: DepositView[]; total: number }> {
    const q = readQuery(query, ['accountId', 'status', 'offset', 'limit']);
    return this.deposits.list({
      accountId: readId('accountId', q.accountId),
      status: readOneOf('status', q.status, DEPOSIT_STATUSES),
      ...readPage(q),
    });
  }

  @Get(':depositId')
  @RequiresRole('read')
  @ApiOperation({ summary: 'A deposit' })
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  async get(@Param('depositId') depositId: string): Promise<DepositView> {
    return this.deposits.get(readId('depositId', depositId)!);
  }

  @Post(':depositId/apply')
  @HttpCode(200)
  @RequiresRole('collections')
  @ApiOperation({
    summary: "Apply a held deposit to the account's open documents now (dunning's TERMINATION step does it by itself)",
    description: 'It becomes a payment of channel DEPOSIT: exact amount, else oldest first; the rest is account credit. Audited.',
  })
  @ApiOkResponse({ description: 'the deposit (APPLIED, with its paymentId)' })
  @ApiConflictResponse({ description: 'CONFLICT: it is not HELD' })
  async apply(@Param('depositId') depositId: string, @Body() body: unknown, @Req() req: RequestWithActor): Promise<DepositView> {
    readBody(body ?? {}, []);
    return this.deposits.apply(readId('depositId', depositId)!, req[ACTOR_REQUEST_KEY] ?? 'unknown', this.clock.nowMs());
  }
}
