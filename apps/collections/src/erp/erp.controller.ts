/** GET /v1/collections/erp/journal (role collections): a day's ledger journal for the ERP (journal-export.ts). */
import { Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiResponse } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequiresRole } from '@app/auth';
import type { Clock } from '@app/observability';
import { CollectionsApiController } from '../api/api-controller';
import { ACTOR_REQUEST_KEY, type RequestWithActor } from '../api/auth.guard';
import { CLOCK } from '../api/tokens';
import { CollectionsError } from '../payments/collections-error';
import { type RawQuery, readQuery } from '../payments/query-params';
import { ERP_FORMATS, type ErpFormat, JournalExporter } from './journal-export';

@CollectionsApiController('v1/collections/erp', 'erp export')
export class ErpController {
  constructor(
    @Inject(JournalExporter) private readonly exporter: JournalExporter,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('journal')
  @RequiresRole('collections')
  @ApiOperation({
    summary: "A day's ledger journal mapped to GL accounts (ERP_ACCOUNT_MAP), as CSV or JSON; the same bytes each time the day is exported",
  })
  @ApiQuery({ name: 'day', required: true, description: 'YYYY-MM-DD, a day that is over (UTC)' })
  @ApiQuery({ name: 'format', required: false, enum: ERP_FORMATS, description: 'default csv' })
  @ApiProduces('text/csv', 'application/json')
  @ApiOkResponse({ description: 'the journal; headers X-Journal-Sha256, X-Journal-Transactions, X-Journal-Postings, X-Journal-Repeated' })
  @ApiResponse({ status: 409, description: 'JOURNAL_CHANGED: the day changed since it was exported (both hashes)' })
  @ApiResponse({ status: 422, description: 'UNMAPPED_ACCOUNTS: ledger accounts without a GL account (`unmapped`)' })
  async journal(@Query() query: RawQuery, @Req() req: RequestWithActor, @Res() reply: FastifyReply): Promise<void> {
    const q = readQuery(query, ['day', 'format']);
    if (q.day === undefined) throw CollectionsError.invalid('day', 'is required (YYYY-MM-DD)');
    const format = (q.format ?? 'csv') as ErpFormat;
    const out = await this.exporter.export({
      day: q.day,
      format,
      exportedBy: req[ACTOR_REQUEST_KEY] ?? 'unknown',
      nowMs: this.clock.nowMs(),
    });
    await reply
      .header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="journal-${out.day}.${format}"`)
      .header('x-journal-sha256', out.sha256)
      .header('x-journal-transactions', String(out.transactions))
      .header('x-journal-postings', String(out.postings))
      .header('x-journal-repeated', String(out.repeated))
      .send(out.body);
  }
}
