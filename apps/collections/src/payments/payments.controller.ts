/**
 * REST: statements posted as files (role `collections`), payments, allocations and the suspense
 * queue (role `read`). Thin: each route reads its parameters, calls one use case or query, answers.
 */
import { Body, Get, Headers, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import {
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { Clock } from '@app/observability';
import { RequiresRole } from '@app/auth';
import { CollectionsApiController } from '../api/api-controller';
import { ACTOR_REQUEST_KEY, type RequestWithActor } from '../api/auth.guard';
import { CLOCK } from '../api/tokens';
import { HAND_ALLOCATIONS_MAX, HandAllocation, parseHandAllocation } from '../matching/allocate-by-hand';
import { CreditApplier } from '../matching/apply-credit';
import { CollectionsError } from './collections-error';
import { ImportMetrics } from './import-metrics';
import { chunksOf, ImportStatement, ImportStatementCommand, type ImportSummary, sha256Of } from './import-statement.usecase';
import { MANUAL_METHODS, ManualPayments, parseManualPayment } from './manual-payment';
import { PaymentQueries } from './payment-queries';
import { type RawQuery, readBody, readId, readPage, readQuery, readStatus } from './query-params';

/** Media types a statement may be posted as. */
export const STATEMENT_MEDIA_TYPES = ['application/xml', 'text/xml', 'text/plain', 'application/octet-stream'] as const;

@CollectionsApiController('v1/collections', 'collections')
export class PaymentsController {
  constructor(
    @Inject(ImportStatement) private readonly importStatement: ImportStatement,
    @Inject(PaymentQueries) private readonly queries: PaymentQueries,
    @Inject(ImportMetrics) private readonly metrics: ImportMetrics,
    @Inject(HandAllocation) private readonly handAllocation: HandAllocation,
    @Inject(ManualPayments) private readonly manual: ManualPayments,
    @Inject(CreditApplier) private readonly credits: CreditApplier,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post('statements')
  @HttpCode(201)
  @RequiresRole('collections')
  @ApiOperation({
    summary: 'Import a bank statement file (camt.053, camt.054 or MT940)',
    description:
      "Each entry is applied once, keyed by the bank's reference: posting the file again changes nothing. Bad entries are listed with their element or line and the reason; good ones still go in.",
  })
  @ApiConsumes(...STATEMENT_MEDIA_TYPES)
  @ApiQuery({ name: 'fileName', required: false, description: 'the name recorded with the import' })
  @ApiCreatedResponse({ description: 'the import: counts, status and the rejected entries' })
  async postStatement(@Body() body: unknown, @Query() query: RawQuery, @Req() req: RequestWithActor): Promise<ImportSummary> {
    const q = readQuery(query, ['fileName']);
    if (!Buffer.isBuffer(body) || body.length === 0)
      throw CollectionsError.invalid('body', `the statement file, as one of ${STATEMENT_MEDIA_TYPES.join(', ')}`);
    const cmd = ImportStatementCommand.create({
      fileName: q.fileName ?? 'statement',
      sha256: sha256Of(body),
      requestedBy: req[ACTOR_REQUEST_KEY] ?? 'unknown',
    });
    const summary = await this.importStatement.execute(cmd, chunksOf(body));
    this.metrics.record(summary);
    return summary;
  }

  @Get('statements/:importId')
  @ApiOperation({ summary: 'A statement import with every rejected entry' })
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  async getStatement(@Param('importId') importId: string, @Query() query: RawQuery): Promise<Record<string, unknown>> {
    readQuery(query, []);
    return this.queries.statementImport(readId('importId', importId)!);
  }

  @Get('payments')
  @ApiOperation({ summary: 'Payments, newest value date first, by account and status' })
  @ApiQuery({ name: 'accountId', required: false })
  @ApiQuery({ name: 'status', required: false, enum: ['SUSPENSE', 'UNAPPLIED', 'ALLOCATED', 'RETURNED', 'REFUNDED'] })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'offset', required: false })
  @ApiOkResponse({ description: '{ items, total }; amounts are decimal strings of minor units' })
  async listPayments(@Query() query: RawQuery): Promise<unknown> {
    const q = readQuery(query, ['accountId', 'status', 'limit', 'offset']);
    return this.queries.list({ accountId: readId('accountId', q.accountId), status: readStatus(q.status), ...readPage(q) });
  }

  @Get('payments/:paymentId')
  @ApiOperation({ summary: 'One payment with its allocations' })
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  async getPayment(@Param('paymentId') paymentId: string, @Query() query: RawQuery): Promise<unknown> {
    readQuery(query, []);
    return this.queries.get(readId('paymentId', paymentId)!);
  }

  @Get('suspense')
  @ApiOperation({ summary: 'The suspense queue: payments nobody could be identified for' })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'offset', required: false })
  async suspense(@Query() query: RawQuery): Promise<unknown> {
    const q = readQuery(query, ['limit', 'offset']);
    return this.queries.list({ status: 'SUSPENSE', ...readPage(q) });
  }

  @Get('allocations')
  @ApiOperation({ summary: 'Allocations of a payment or of a document' })
  @ApiQuery({ name: 'paymentId', required: false })
  @ApiQuery({ name: 'documentId', required: false })
  async allocations(@Query() query: RawQuery): Promise<unknown> {
    const q = readQuery(query, ['paymentId', 'documentId']);
    const paymentId = readId('paymentId', q.paymentId);
    const documentId = readId('documentId', q.documentId);
    if ((paymentId === undefined) === (documentId === undefined))
      throw CollectionsError.invalid('paymentId', 'give exactly one of paymentId and documentId');
    return { items: await this.queries.allocations({ paymentId, documentId }) };
  }

  @Post('payments/:paymentId/allocations')
  @HttpCode(201)
  @RequiresRole('collections')
  @ApiOperation({
    summary: 'Allocate a payment by hand: give a suspense payment to an account, or spend account credit, on its open documents',
    description:
      "One transaction: the documents are paid (ISSUED -> PARTIALLY_PAID -> PAID), what they do not take stays the account's credit, " +
      'the ledger gets PAYMENT_ALLOCATED, the audit log the caller. The same Idempotency-Key again answers what was done (created: false); ' +
      "with another request it is 409. A broken rule (another account's document, a credit note, more than is open or unapplied) is 422 " +
      `ALLOCATION_REFUSED naming the field, and changes nothing. At most ${HAND_ALLOCATIONS_MAX} documents.`,
  })
  @ApiHeader({ name: 'Idempotency-Key', required: true, description: '1-100 printable characters, one per intended allocation' })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['accountId'],
      additionalProperties: false,
      properties: {
        accountId: { type: 'string' },
        allocations: {
          type: 'array',
          maxItems: HAND_ALLOCATIONS_MAX,
          items: {
            type: 'object',
            required: ['documentId', 'amountMinor'],
            properties: { documentId: { type: 'string' }, amountMinor: { type: 'string', pattern: '^[1-9][0-9]{0,17}$' } },
          },
        },
        note: { type: 'string', maxLength: 500 },
      },
    },
  })
  @ApiCreatedResponse({ description: '{ paymentId, accountId, status, unappliedMinor, allocations, created }' })
  @ApiNotFoundResponse({ description: 'NOT_FOUND: no such payment' })
  @ApiConflictResponse({ description: 'CONFLICT: the Idempotency-Key was used for another allocation of this payment' })
  @ApiUnprocessableEntityResponse({ description: 'ALLOCATION_REFUSED' })
  async allocateByHand(
    @Param('paymentId') paymentId: string,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Body() body: unknown,
    @Req() req: RequestWithActor,
  ): Promise<Record<string, unknown>> {
    const b = readBody(body, ['accountId', 'allocations', 'note']);
    const request = parseHandAllocation(readId('paymentId', paymentId)!, idempotencyKey, b, req[ACTOR_REQUEST_KEY] ?? 'unknown');
    const r = await this.handAllocation.execute(request, this.clock.nowMs());
    return {
      paymentId: r.paymentId,
      accountId: r.accountId,
      status: r.status,
      unappliedMinor: r.unappliedMinor.toString(),
      allocations: r.allocations.map((a) => ({ documentId: a.documentId, amountMinor: a.amountMinor.toString() })),
      created: r.created,
    };
  }

  @Post('payments')
  @HttpCode(201)
  @RequiresRole('collections')
  @ApiOperation({
    summary: 'Enter a manual payment (cash, cheque, a transfer booked by hand)',
    description:
      'Applied like a statement entry: to the document named, else the account named, else what the reference says, else suspense. ' +
      'The same Idempotency-Key again answers the payment (created: false); with another amount, currency, date or target it is 409.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: true, description: "1-100 printable characters; the payment's reference" })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['method', 'amountMinor', 'currency', 'valueDate'],
      additionalProperties: false,
      properties: {
        method: { type: 'string', enum: [...MANUAL_METHODS] },
        amountMinor: { type: 'string', pattern: '^[1-9][0-9]{0,17}$' },
        currency: { type: 'string', example: 'EUR' },
        valueDate: { type: 'string', format: 'date', description: 'when the money was received: not in the future' },
        accountId: { type: 'string' },
        documentId: { type: 'string' },
        reference: { type: 'string', maxLength: 140, description: 'free text matched like remittance information' },
        payer: { type: 'string', maxLength: 140 },
        note: { type: 'string', maxLength: 500 },
      },
    },
  })
  @ApiCreatedResponse({ description: '{ paymentId, status, accountId, matchRule, unappliedMinor, created }' })
  @ApiConflictResponse({ description: 'CONFLICT: the Idempotency-Key was used for another manual payment' })
  @ApiUnprocessableEntityResponse({ description: 'ALLOCATION_REFUSED: the account or document named does not exist or does not fit' })
  async enterManualPayment(
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Body() body: unknown,
    @Req() req: RequestWithActor,
  ): Promise<Record<string, unknown>> {
    const b = readBody(body, ['method', 'amountMinor', 'currency', 'valueDate', 'accountId', 'documentId', 'reference', 'payer', 'note']);
    const today = new Date(this.clock.nowMs()).toISOString().slice(0, 10);
    const r = await this.manual.record(
      parseManualPayment(idempotencyKey, b, req[ACTOR_REQUEST_KEY] ?? 'unknown', today),
      this.clock.nowMs(),
    );
    return { ...r, unappliedMinor: r.unappliedMinor.toString() };
  }

  @Post('credits/apply')
  @HttpCode(200)
  @RequiresRole('collections')
  @ApiOperation({
    summary: 'Net credit notes and apply account credit to open documents now (the process does it every CREDIT_APPLY_INTERVAL_MS)',
    description:
      'First credit notes (ACCOUNT_CREDIT and OFFSET; an OFFSET note pays the document it corrects first) on the oldest open documents ' +
      '(ledger CREDIT_NOTE_APPLIED), then cash credit: oldest credit on the oldest open document first, each payment as one allocation by hand (ledger PAYMENT_ALLOCATED).',
  })
  @ApiOkResponse({ description: '{ accounts, allocations, appliedMinor, deferred, creditNotes, nettedMinor }' })
  async applyCredits(@Body() body: unknown): Promise<Record<string, unknown>> {
    readBody(body ?? {}, []);
    const r = await this.credits.run(this.clock.nowMs());
    return { ...r, appliedMinor: r.appliedMinor.toString(), nettedMinor: r.nettedMinor.toString() };
  }
}
