/**
 * The review queue (role billing): drafts VALIDATE held, with their reasons. An operator inspects
 * one, adds or removes a manual line with a reason, approves it (it is issued at once) or rejects
 * it (it is never issued). Every action is in the audit log with who and when.
 */
import { Body, Delete, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiResponse } from '@nestjs/swagger';
import { RequiresRole } from '@app/auth';
import { ErrorResponse, InvoicingApiController } from '../../api/api-controller';
import { ACTOR_REQUEST_KEY, type RequestWithActor } from '../../api/auth.guard';
import type { RawQuery } from '../../api/query-params';
import { BillingDocumentService } from '../documents/document-service';
import { documentFilter, idParam, lineNoParam, manualLineBody, reasonBody } from './documents-commands';
import { DocumentDetailView, DocumentListView, ManualLineBody, ReasonBody } from './documents.dto';

@InvoicingApiController('v1/billing/review', 'billing review')
export class ReviewController {
  constructor(@Inject(BillingDocumentService) private readonly documents: BillingDocumentService) {}

  @Get()
  @RequiresRole('billing')
  @ApiOperation({ summary: 'Held drafts, with the reasons they were held (the filters of the document list apply)' })
  @ApiOkResponse({ type: DocumentListView })
  held(@Query() query: RawQuery): Promise<DocumentListView> {
    return this.documents.list({ ...documentFilter(query), status: 'HELD' });
  }

  @Post(':documentId/lines')
  @HttpCode(200)
  @RequiresRole('billing')
  @ApiOperation({ summary: 'Add a manual line to a held draft; its totals and tax summary are computed again' })
  @ApiBody({ type: ManualLineBody })
  @ApiOkResponse({ type: DocumentDetailView })
  @ApiResponse({ status: 422, description: 'Not HELD (WRONG_STATUS) or issued (DOCUMENT_IMMUTABLE)', type: ErrorResponse })
  addLine(@Param('documentId') id: string, @Body() body: unknown, @Req() req: RequestWithActor): Promise<DocumentDetailView> {
    return this.documents.addManualLine(idParam(id), manualLineBody(body), req[ACTOR_REQUEST_KEY]!);
  }

  @Delete(':documentId/lines/:lineNo')
  @RequiresRole('billing')
  @ApiOperation({ summary: 'Remove a manual line of a held draft' })
  @ApiBody({ type: ReasonBody })
  @ApiOkResponse({ type: DocumentDetailView })
  removeLine(
    @Param('documentId') id: string,
    @Param('lineNo') lineNo: string,
    @Body() body: unknown,
    @Req() req: RequestWithActor,
  ): Promise<DocumentDetailView> {
    return this.documents.removeManualLine(idParam(id), lineNoParam(lineNo), reasonBody(body).reason, req[ACTOR_REQUEST_KEY]!);
  }

  @Post(':documentId/approve')
  @HttpCode(200)
  @RequiresRole('billing')
  @ApiOperation({ summary: 'Approve a held draft: it is issued at once with the next number of its series' })
  @ApiBody({ type: ReasonBody })
  @ApiOkResponse({ type: DocumentDetailView })
  approve(@Param('documentId') id: string, @Body() body: unknown, @Req() req: RequestWithActor): Promise<DocumentDetailView> {
    return this.documents.approve(idParam(id), reasonBody(body).reason, req[ACTOR_REQUEST_KEY]!);
  }

  @Post(':documentId/reject')
  @HttpCode(200)
  @RequiresRole('billing')
  @ApiOperation({ summary: 'Reject a held draft: it is never issued' })
  @ApiBody({ type: ReasonBody })
  @ApiOkResponse({ type: DocumentDetailView })
  reject(@Param('documentId') id: string, @Body() body: unknown, @Req() req: RequestWithActor): Promise<DocumentDetailView> {
    return this.documents.reject(idParam(id), reasonBody(body).reason, req[ACTOR_REQUEST_KEY]!);
  }
}
