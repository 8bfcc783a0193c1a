/**
 * REST of card payments (role `collections` to charge or change, `read` to read), and the gateway's
 * webhook (no credential: its signature is the authentication). Thin: each route maps the request to
 * one use case and the answer back.
 */
import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequiresRole } from '@app/auth';
import { CLOCK, type Clock } from '@app/observability';
import { CollectionsApiController } from '../api/api-controller';
import { ACTOR_REQUEST_KEY, type RequestWithActor } from '../api/auth.guard';
import { CollectionsError } from '../payments/collections-error';
import { type RawQuery, readId, readPage, readQuery } from '../payments/query-params';
import { CARD_PAYMENT_STATUSES, type CardPaymentStatus, cardPaymentView } from './card-payment-store';
import { CardFeature } from './card-feature';
import { SaveCardTokenCommand } from './card-tokens';
import { StartCardPaymentCommand } from './start-card-payment.usecase';
import { CARD_SIGNATURE_HEADER } from './webhook-signature';

export const CARD_WEBHOOK_PATH = '/v1/collections/card/webhooks';
/** Where collections-http.ts keeps a webhook's raw bytes on the request (the signature is over them). */
export const RAW_BODY_REQUEST_KEY = 'ratelRawBody';

const IDEMPOTENCY = {
  name: 'Idempotency-Key',
  required: true,
  description: 'the same key returns the same card payment; never a second charge',
};

@CollectionsApiController('v1/collections/card', 'card payments')
export class CardController {
  constructor(
    @Inject(CardFeature) private readonly card: CardFeature,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post('payments')
  @RequiresRole('collections')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Pay an open document by card',
    description:
      'Body `{ documentId, amountMinor?, cardToken? }`: the open amount unless amountMinor (decimal string) is given; the saved card of the account unless cardToken is. ' +
      'Answers the card payment: PENDING (the gateway has not settled, or did not answer in time: webhooks and the reconciler finish it), SUCCEEDED (allocated to the document) or FAILED.',
  })
  @ApiHeader(IDEMPOTENCY)
  @ApiCreatedResponse({ description: 'the card payment; header Idempotent-Replayed: true for an earlier one' })
  @ApiConflictResponse({ description: 'CONFLICT: a card payment of the document is in flight, or the key was used for another request' })
  @ApiServiceUnavailableResponse({ description: 'UNAVAILABLE: no card gateway configured' })
  async pay(
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Req() req: RequestWithActor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const r = await this.card.start.execute(StartCardPaymentCommand.create('INVOICE', body, key, req[ACTOR_REQUEST_KEY] ?? 'unknown'));
    void reply.header('idempotent-replayed', String(r.replayed));
    return cardPaymentView(r.row);
  }

  @Post('top-ups')
  @RequiresRole('collections')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Top up a prepaid account, paid by card',
    description:
      "Body `{ accountId, amountMinor, cardToken? }`. Once the card payment succeeded, charging's top-up API is called with the card payment's id as its Idempotency-Key (`topUp.status` PENDING -> DONE), so a retry never tops up twice.",
  })
  @ApiHeader(IDEMPOTENCY)
  @ApiCreatedResponse({ description: 'the card payment with its topUp' })
  @ApiConflictResponse({ description: 'CONFLICT: the key was used for another request' })
  @ApiServiceUnavailableResponse({ description: 'UNAVAILABLE: no card gateway or no charging API configured' })
  async topUp(
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Req() req: RequestWithActor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const r = await this.card.start.execute(StartCardPaymentCommand.create('TOP_UP', body, key, req[ACTOR_REQUEST_KEY] ?? 'unknown'));
    void reply.header('idempotent-replayed', String(r.replayed));
    return cardPaymentView(r.row);
  }

  @Get('payments')
  @ApiOperation({ summary: 'Card payments, newest first' })
  @ApiQuery({ name: 'accountId', required: false })
  @ApiQuery({ name: 'status', required: false, enum: CARD_PAYMENT_STATUSES })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'offset', required: false })
  @ApiOkResponse({ description: '{ items, total }' })
  async list(@Query() query: RawQuery) {
    const q = readQuery(query, ['accountId', 'status', 'limit', 'offset']);
    if (q.status !== undefined && !(CARD_PAYMENT_STATUSES as readonly string[]).includes(q.status))
      throw CollectionsError.invalid('status', `one of ${CARD_PAYMENT_STATUSES.join(', ')}`);
    const r = await this.card.deps.store.list({
      accountId: readId('accountId', q.accountId),
      status: q.status as CardPaymentStatus | undefined,
      ...readPage(q),
    });
    return { items: r.items.map(cardPaymentView), total: r.total };
  }

  @Get('payments/:id')
  @ApiOperation({ summary: 'One card payment' })
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  async get(@Param('id') id: string, @Query() query: RawQuery) {
    readQuery(query, []);
    const row = await this.card.deps.store.get(readId('id', id)!);
    if (row === undefined) throw CollectionsError.notFound(`card payment ${id}`);
    return cardPaymentView(row);
  }

  @Post('payments/:id/refresh')
  @RequiresRole('collections')
  @HttpCode(200)
  @ApiOperation({ summary: 'Ask the gateway again now (what the reconciler does); a PENDING payment may settle' })
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  async refresh(@Param('id') id: string, @Query() query: RawQuery) {
    readQuery(query, []);
    const row = await this.card.sync.execute(readId('id', id)!);
    if (row === undefined) throw CollectionsError.notFound(`card payment ${id}`);
    return cardPaymentView(row);
  }

  @Put('tokens/:accountId')
  @RequiresRole('collections')
  @ApiOperation({
    summary: "Save the account's card: the gateway's token and the last four digits only",
    description:
      'Body `{ gatewayToken, last4, brand? }`. A card number anywhere in the body is refused (INVALID_ARGUMENT) and never stored.',
  })
  @ApiOkResponse({ description: 'the saved card' })
  async saveToken(@Param('accountId') accountId: string, @Body() body: unknown) {
    return this.card.tokens.save(SaveCardTokenCommand.create(readId('accountId', accountId)!, body), new Date(this.clock.nowMs()));
  }

  @Get('tokens/:accountId')
  @ApiOperation({ summary: "The account's saved card" })
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  async getToken(@Param('accountId') accountId: string) {
    const t = await this.card.tokens.get(readId('accountId', accountId)!);
    if (t === undefined) throw CollectionsError.notFound(`saved card of ${accountId}`);
    return t;
  }

  @Delete('tokens/:accountId')
  @RequiresRole('collections')
  @HttpCode(204)
  @ApiOperation({ summary: "Forget the account's saved card (auto-pay stops)" })
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  async deleteToken(@Param('accountId') accountId: string): Promise<void> {
    if (!(await this.card.tokens.remove(readId('accountId', accountId)!))) throw CollectionsError.notFound(`saved card of ${accountId}`);
  }
}

@Controller()
@ApiTags('card payments')
export class CardWebhookController {
  constructor(@Inject(CardFeature) private readonly card: CardFeature) {}

  @Post(CARD_WEBHOOK_PATH.slice(1))
  @HttpCode(200)
  @ApiOperation({
    summary: "The card gateway's webhook (no API key: the Card-Signature header authenticates it)",
    description:
      'Card-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of `t.body` with CARD_WEBHOOK_SECRET>, within 300 s. Events are processed once (by id); the intent is fetched from the gateway, never taken from the event.',
  })
  @ApiHeader({ name: 'Card-Signature', required: true })
  @ApiOkResponse({ description: '{ result: processed | duplicate | unknown_intent, eventId }' })
  @ApiUnauthorizedResponse({ description: 'UNAUTHENTICATED: missing, wrong or old signature; nothing changed' })
  async webhook(@Req() req: { [RAW_BODY_REQUEST_KEY]?: Buffer }, @Headers(CARD_SIGNATURE_HEADER) signature: string | undefined) {
    return this.card.webhook.execute({ rawBody: req[RAW_BODY_REQUEST_KEY], signature });
  }
}
