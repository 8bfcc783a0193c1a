/**
 * Billing documents (role billing): list with filters, sort and paging; read with lines, taxes,
 * deliveries and renditions; issue credit and debit notes of an issued invoice. The PDF and the UBL
 * e-invoice (role read) are served to billing operators and to a portal user of the document's
 * account (a JWT with the `ratel_account` claim).
 */
import { Body, Get, Headers, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiResponse } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequiresRole } from '@app/auth';
import { ErrorResponse, InvoicingApiController } from '../../api/api-controller';
import { ACTOR_REQUEST_KEY, CREDENTIAL_REQUEST_KEY, type RequestWithActor } from '../../api/auth.guard';
import type { RawQuery } from '../../api/query-params';
import { BillingDocumentService, DOCUMENT_SORTS, DOCUMENTS_PAGE_MAX } from '../documents/document-service';
import { DOCUMENT_STATUSES, DOCUMENT_TYPES } from '../documents/document-types';
import { DOCUMENT_STORE } from './billing.tokens';
import type { DocumentStore } from '../render/document-store';
import { documentFilter, idParam, noteBody } from './documents-commands';
import { DocumentDetailView, DocumentListView, NoteBody } from './documents.dto';

@InvoicingApiController('v1/billing/documents', 'billing documents')
export class DocumentsController {
  constructor(
    @Inject(BillingDocumentService) private readonly documents: BillingDocumentService,
    @Inject(DOCUMENT_STORE) private readonly store: DocumentStore,
  ) {}

  @Get()
  @RequiresRole('billing')
  @ApiOperation({ summary: 'Billing documents, filtered, sorted and paged' })
  @ApiQuery({ name: 'accountId', required: false })
  @ApiQuery({ name: 'status', required: false, enum: DOCUMENT_STATUSES })
  @ApiQuery({ name: 'type', required: false, enum: DOCUMENT_TYPES })
  @ApiQuery({ name: 'cycleId', required: false })
  @ApiQuery({ name: 'issuedFrom', required: false, description: 'YYYY-MM-DD, inclusive' })
  @ApiQuery({ name: 'issuedTo', required: false, description: 'YYYY-MM-DD, inclusive' })
  @ApiQuery({ name: 'grossMin', required: false, description: 'minor units' })
  @ApiQuery({ name: 'grossMax', required: false, description: 'minor units' })
  @ApiQuery({ name: 'sort', required: false, enum: DOCUMENT_SORTS })
  @ApiQuery({ name: 'limit', required: false, description: `1-${DOCUMENTS_PAGE_MAX}` })
  @ApiQuery({ name: 'offset', required: false })
  @ApiOkResponse({ type: DocumentListView })
  list(@Query() query: RawQuery): Promise<DocumentListView> {
    return this.documents.list(documentFilter(query));
  }

  @Get(':documentId')
  @RequiresRole('billing')
  @ApiOperation({ summary: 'A document with its lines, tax summary, deliveries and renditions' })
  @ApiOkResponse({ type: DocumentDetailView })
  @ApiNotFoundResponse({ description: 'No such document (DOCUMENT_NOT_FOUND)', type: ErrorResponse })
  get(@Param('documentId') id: string): Promise<DocumentDetailView> {
    return this.documents.get(idParam(id));
  }

  @Get(':documentId/pdf')
  @RequiresRole('read')
  @ApiOperation({ summary: "The document's PDF: for billing operators, and for a portal user of its account (JWT claim ratel_account)" })
  @ApiProduces('application/pdf')
  @ApiOkResponse({ description: 'the PDF' })
  @ApiNotFoundResponse({ description: 'No such document, or not one of the caller’s account', type: ErrorResponse })
  @ApiResponse({ status: 409, description: 'Not rendered yet (NOT_RENDERED)', type: ErrorResponse })
  async pdf(@Param('documentId') id: string, @Req() req: RequestWithActor, @Res() reply: FastifyReply): Promise<void> {
    await this.sendRendition(idParam(id), 'PDF', req, reply);
  }

  @Get(':documentId/ubl')
  @RequiresRole('read')
  @ApiOperation({
    summary:
      "The document's UBL 2.1 e-invoice (EN 16931, Peppol BIS Billing 3.0): for billing operators and the portal user of its account",
    description:
      'A UBL Invoice (380; 383 for a debit note, 386 for an advance invoice) or CreditNote (381), as RENDER stored it. ' +
      'A document whose seller or customer has no structured postal address has none (422 UBL_NOT_AVAILABLE, with the reason).',
  })
  @ApiProduces('application/xml')
  @ApiOkResponse({ description: 'the UBL XML, UTF-8' })
  @ApiNotFoundResponse({
    description: 'No such issued document, or not one of the caller’s account (DOCUMENT_NOT_FOUND)',
    type: ErrorResponse,
  })
  @ApiResponse({ status: 409, description: 'Not rendered yet (NOT_RENDERED)', type: ErrorResponse })
  @ApiResponse({ status: 422, description: 'RENDER recorded why the document has no UBL (UBL_NOT_AVAILABLE)', type: ErrorResponse })
  async ubl(@Param('documentId') id: string, @Req() req: RequestWithActor, @Res() reply: FastifyReply): Promise<void> {
    await this.sendRendition(idParam(id), 'UBL', req, reply);
  }

  private async sendRendition(id: string, kind: 'PDF' | 'UBL', req: RequestWithActor, reply: FastifyReply): Promise<void> {
    const credential = req[CREDENTIAL_REQUEST_KEY]!;
    // An operator (billing) reads any account's documents; anybody else only their own account's, if their token names one.
    const entitled = credential.roles.includes('billing') ? undefined : (credential.accountId ?? '\u0000none');
    const key = await this.documents.renditionKey(id, kind, entitled);
    const bytes = await this.store.get(key);
    void reply
      .status(200)
      .header('content-type', kind === 'PDF' ? 'application/pdf' : 'application/xml; charset=utf-8')
      .header('content-disposition', `inline; filename="${key.split('/').pop()}"`)
      .send(bytes);
  }

  @Post(':documentId/credit-notes')
  @HttpCode(201)
  @RequiresRole('billing')
  @ApiOperation({
    summary: 'Issue a credit note of an issued invoice',
    description:
      'Never more than is left to credit of the invoice (422 CREDIT_LIMIT_EXCEEDED, nothing written). The same Idempotency-Key gives the same note.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: true })
  @ApiBody({ type: NoteBody })
  @ApiResponse({ status: 201, type: DocumentDetailView })
  @ApiResponse({ status: 422, description: 'CREDIT_LIMIT_EXCEEDED, WRONG_STATUS, IDEMPOTENCY_KEY_REUSED', type: ErrorResponse })
  credit(
    @Param('documentId') id: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: unknown,
    @Req() req: RequestWithActor,
  ): Promise<DocumentDetailView> {
    return this.documents.note(idParam(id), 'CREDIT_NOTE', noteBody(body, key, true), req[ACTOR_REQUEST_KEY]!);
  }

  @Post(':documentId/debit-notes')
  @HttpCode(201)
  @RequiresRole('billing')
  @ApiOperation({ summary: 'Issue a debit note adding a charge to an issued invoice' })
  @ApiHeader({ name: 'Idempotency-Key', required: true })
  @ApiBody({ type: NoteBody })
  @ApiResponse({ status: 201, type: DocumentDetailView })
  @ApiResponse({ status: 422, description: 'WRONG_STATUS, IDEMPOTENCY_KEY_REUSED', type: ErrorResponse })
  debit(
    @Param('documentId') id: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: unknown,
    @Req() req: RequestWithActor,
  ): Promise<DocumentDetailView> {
    return this.documents.note(idParam(id), 'DEBIT_NOTE', noteBody(body, key, false), req[ACTOR_REQUEST_KEY]!);
  }
}
