/**
 * REST of refunds (role collections to request and send, approver to decide, read to look) and the
 * TMF676 Refund view. Thin: each route reads its parameters, calls one use case, answers.
 */
import { Body, Get, Headers, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequiresRole } from '@app/auth';
import { tmfMoney } from '@app/money';
import type { Clock } from '@app/observability';
import { CollectionsApiController } from '../api/api-controller';
import { ACTOR_REQUEST_KEY, type RequestWithActor } from '../api/auth.guard';
import { CLOCK } from '../api/tokens';
import { PAGE_LIMIT_MAX, type RawQuery, readBody, readId, readOneOf, readPage, readQuery, readText } from '../payments/query-params';
import { HOLD_REASONS } from './circuit-breakers';
import { CreditTransfers, parseBatchRequest } from './credit-transfers';
import { parseRefundRequest, REFUND_METHODS, REFUND_NOTE_MAX_LENGTH, REFUND_STATUSES, Refunds, type RefundView } from './refunds';

const MINOR = { type: 'string', pattern: '^[1-9][0-9]{0,17}$' };

const readNote = (body: unknown): string | null => readText(readBody(body ?? {}, ['note']), 'note', REFUND_NOTE_MAX_LENGTH);

const actorOf = (req: RequestWithActor): string => req[ACTOR_REQUEST_KEY] ?? 'unknown';

@CollectionsApiController('v1/collections/refunds', 'refunds')
export class RefundsController {
  constructor(
    @Inject(Refunds) private readonly refunds: Refunds,
    @Inject(CreditTransfers) private readonly transfers: CreditTransfers,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @HttpCode(201)
  @RequiresRole('collections')
  @ApiOperation({
    summary:
      'Request a refund of account credit (paymentId), of a credit note (documentId), the return of a deposit (depositId), or of a card top-up charging refused (cardPaymentId)',
    description:
      'Checked, reserved and passed through the circuit breakers in one transaction. A breaker that trips holds it (status HELD, ' +
      `holdReasons from ${HOLD_REASONS.join(', ')}) for a second person with the approver role. Otherwise it is APPROVED: a card refund ` +
      'is sent at once, a bank refund waits for the next credit-transfer batch. The same Idempotency-Key again answers the refund ' +
      '(created: false); with another request it is 409. REFUND_REFUSED (422) names the field and changes nothing.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: true, description: '1-100 printable characters, one per intended refund' })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['method'],
      additionalProperties: false,
      properties: {
        paymentId: { type: 'string', description: 'refund this payment’s account credit (its unapplied part)' },
        documentId: { type: 'string', description: 'refund this credit note’s open amount' },
        depositId: { type: 'string', description: 'return this held deposit (whole, by bank transfer)' },
        cardPaymentId: {
          type: 'string',
          description:
            'refund this card top-up charging refused (whole, to its card; the process asks for it by itself, this asks again after a failure)',
        },
        amountMinor: { ...MINOR, description: 'default: all the source still holds' },
        method: { type: 'string', enum: [...REFUND_METHODS] },
        payee: {
          type: 'object',
          description: 'BANK_TRANSFER: who gets it (default: the account’s active SEPA mandate)',
          required: ['name', 'iban'],
          properties: { name: { type: 'string', maxLength: 70 }, iban: { type: 'string' }, bic: { type: 'string' } },
        },
        reason: { type: 'string', maxLength: 140, description: 'the remittance text the customer sees' },
      },
    },
  })
  @ApiCreatedResponse({ description: 'the refund (IBAN masked) and created' })
  @ApiConflictResponse({ description: 'CONFLICT: the Idempotency-Key was used for another refund' })
  @ApiUnprocessableEntityResponse({ description: 'REFUND_REFUSED: the source cannot give it (`parameter` names why)' })
  async request(
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Body() body: unknown,
    @Req() req: RequestWithActor,
  ): Promise<Record<string, unknown>> {
    const b = readBody(body, ['paymentId', 'documentId', 'depositId', 'cardPaymentId', 'amountMinor', 'method', 'payee', 'reason']);
    const r = await this.refunds.request(parseRefundRequest(idempotencyKey, b, actorOf(req)), this.clock.nowMs());
    return { ...r.refund, created: r.created };
  }

  @Get()
  @RequiresRole('read')
  @ApiOperation({ summary: 'Refunds, newest first; `status=HELD` is the approval queue' })
  @ApiQuery({ name: 'accountId', required: false })
  @ApiQuery({ name: 'status', required: false, enum: [...REFUND_STATUSES] })
  @ApiQuery({ name: 'offset', required: false })
  @ApiQuery({ name: 'limit', required: false, description: `1-${PAGE_LIMIT_MAX}` })
  @ApiOkResponse({ description: '{ items, total }' })
  async list(@Query() query: RawQuery): Promise<{ items: RefundView[]; total: number }> {
    const q = readQuery(query, ['accountId', 'status', 'offset', 'limit']);
    return this.refunds.list({
      accountId: readId('accountId', q.accountId),
      status: readOneOf('status', q.status, REFUND_STATUSES),
      ...readPage(q),
    });
  }

  @Post('credit-transfers')
  @HttpCode(201)
  @RequiresRole('collections')
  @ApiOperation({
    summary: 'Make the credit-transfer batch (pain.001.001.03) of every approved bank refund',
    description:
      'The refunds become SENT and REFUND_PAID is posted in the same transaction. The same Idempotency-Key again answers the same ' +
      'batch; `batch: null` when no bank refund was waiting. Needs DD_CREDITOR_IBAN and DD_CREDITOR_ID (the account paid from).',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: true, description: '1-100 printable characters, one per batch' })
  @ApiBody({ schema: { type: 'object', additionalProperties: false, properties: { executionDate: { type: 'string', format: 'date' } } } })
  @ApiCreatedResponse({ description: '{ batch, created }' })
  async createBatch(
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Body() body: unknown,
    @Req() req: RequestWithActor,
  ): Promise<Record<string, unknown>> {
    const today = new Date(this.clock.nowMs()).toISOString().slice(0, 10);
    const p = parseBatchRequest(idempotencyKey, readBody(body ?? {}, ['executionDate']), today);
    return this.transfers.createBatch({ ...p, actor: actorOf(req) }, this.clock.nowMs());
  }

  @Get('credit-transfers/:batchId')
  @RequiresRole('read')
  @ApiOperation({ summary: 'A credit-transfer batch: its refunds, total and file hash' })
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  async batch(@Param('batchId') batchId: string): Promise<Record<string, unknown>> {
    return { ...(await this.transfers.get(readId('batchId', batchId)!)) };
  }

  @Get('credit-transfers/:batchId/pain001')
  @RequiresRole('collections')
  @ApiOperation({ summary: "A batch's pain.001.001.03 file for the bank, the same bytes every time" })
  @ApiProduces('application/xml')
  async pain001(@Param('batchId') batchId: string, @Res() reply: FastifyReply): Promise<void> {
    const xml = await this.transfers.file(readId('batchId', batchId)!);
    await reply.header('content-type', 'application/xml; charset=utf-8').send(xml);
  }

  @Get(':refundId')
  @RequiresRole('read')
  @ApiOperation({ summary: 'A refund (IBAN masked)' })
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  async get(@Param('refundId') refundId: string): Promise<RefundView> {
    return this.refunds.get(readId('refundId', refundId)!);
  }

  @Post(':refundId/approve')
  @HttpCode(200)
  @RequiresRole('approver')
  @ApiOperation({
    summary: 'Four eyes: release a HELD refund',
    description: 'By an approver who did not request it (else 403 FOUR_EYES_REQUIRED). A card refund is sent at once. Audited.',
  })
  @ApiBody({
    schema: { type: 'object', additionalProperties: false, properties: { note: { type: 'string', maxLength: REFUND_NOTE_MAX_LENGTH } } },
  })
  @ApiOkResponse({ description: 'the refund' })
  @ApiConflictResponse({ description: 'CONFLICT: it is not HELD (decided already)' })
  async approve(@Param('refundId') refundId: string, @Body() body: unknown, @Req() req: RequestWithActor): Promise<RefundView> {
    return this.refunds.approve(readId('refundId', refundId)!, actorOf(req), readNote(body), this.clock.nowMs());
  }

  @Post(':refundId/reject')
  @HttpCode(200)
  @RequiresRole('approver')
  @ApiOperation({
    summary: 'Four eyes: reject a HELD refund; the credit goes back to its source',
    description: 'By an approver who did not request it (else 403 FOUR_EYES_REQUIRED). Audited.',
  })
  @ApiBody({
    schema: { type: 'object', additionalProperties: false, properties: { note: { type: 'string', maxLength: REFUND_NOTE_MAX_LENGTH } } },
  })
  @ApiOkResponse({ description: 'the refund' })
  @ApiConflictResponse({ description: 'CONFLICT: it is not HELD (decided already)' })
  async reject(@Param('refundId') refundId: string, @Body() body: unknown, @Req() req: RequestWithActor): Promise<RefundView> {
    return this.refunds.reject(readId('refundId', refundId)!, actorOf(req), readNote(body), this.clock.nowMs());
  }

  @Post(':refundId/send')
  @HttpCode(200)
  @RequiresRole('collections')
  @ApiOperation({
    summary: 'Send an approved card refund to the gateway again now, with the same idempotency key (what the resender does)',
  })
  @ApiOkResponse({ description: 'the refund' })
  async send(@Param('refundId') refundId: string, @Body() body: unknown): Promise<RefundView> {
    readBody(body ?? {}, []);
    return this.refunds.sendCard(readId('refundId', refundId)!, this.clock.nowMs());
  }
}

export const TMF676_REFUND_BASE = 'tmf-api/paymentManagement/v4/refund';

/** The TMF676 Refund of a refund (pure). Money in major units, exact (tmfMoney). */
export function tmfRefundOf(r: RefundView): Record<string, unknown> {
  return {
    id: r.id,
    href: `/${TMF676_REFUND_BASE}/${r.id}`,
    '@type': 'Refund',
    correlatorId: r.idempotencyKey,
    refundDate: r.createdAt,
    status: r.status.toLowerCase(),
    statusDate: r.updatedAt,
    amount: tmfMoney(BigInt(r.amountMinor), r.currency),
    totalAmount: tmfMoney(BigInt(r.amountMinor), r.currency),
    channel: { id: r.method, name: r.method },
    description: r.reason ?? '',
    account: { id: r.accountId, '@referredType': 'BillingAccount' },
    ...(r.paymentId === null ? {} : { payment: { id: r.paymentId, href: `/tmf-api/paymentManagement/v4/payment/${r.paymentId}` } }),
  };
}

@CollectionsApiController(TMF676_REFUND_BASE, 'TMF676 refund')
export class Tmf676RefundController {
  constructor(@Inject(Refunds) private readonly refunds: Refunds) {}

  @Get()
  @RequiresRole('read')
  @ApiOperation({ summary: 'TMF676 Refund list, newest first' })
  @ApiQuery({ name: 'account.id', required: false })
  @ApiQuery({ name: 'offset', required: false })
  @ApiQuery({ name: 'limit', required: false, description: `1-${PAGE_LIMIT_MAX}` })
  @ApiOkResponse({ description: 'Refund[]; X-Total-Count and X-Result-Count headers' })
  async list(@Query() query: RawQuery, @Res() reply: FastifyReply): Promise<void> {
    const q = readQuery(query, ['account.id', 'offset', 'limit']);
    const page = await this.refunds.list({ accountId: readId('account.id', q['account.id']), ...readPage(q) });
    await reply
      .header('X-Total-Count', String(page.total))
      .header('X-Result-Count', String(page.items.length))
      .send(page.items.map(tmfRefundOf));
  }

  @Get(':id')
  @RequiresRole('read')
  @ApiOperation({ summary: 'A TMF676 Refund' })
  @ApiOkResponse({ description: 'Refund' })
  async get(@Param('id') id: string, @Query() query: RawQuery): Promise<Record<string, unknown>> {
    readQuery(query, []);
    return tmfRefundOf(await this.refunds.get(readId('id', id)!));
  }
}
