/** REST of dunning (dunning.ts): policies, an account's state and morale, promises to pay, disputes, segments, runs and the agency export. */
import { Body, Delete, Get, HttpCode, Inject, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiQuery } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequiresRole } from '@app/auth';
import type { Clock } from '@app/observability';
import { localDate } from '../accounts/account-standing';
import { CollectionsApiController } from '../api/api-controller';
import { ACTOR_REQUEST_KEY, type RequestWithActor } from '../api/auth.guard';
import { CLOCK } from '../api/tokens';
import { CollectionsError } from '../payments/collections-error';
import { isCalendarDate, type RawQuery, readBody, readId, readQuery } from '../payments/query-params';
import { Dunning, type DunningRunSummary, PROMISE_DAYS_MAX, SEGMENTS } from './dunning';

const isDate = isCalendarDate;

@CollectionsApiController('v1/collections', 'dunning')
export class DunningController {
  constructor(
    @Inject(Dunning) private readonly dunning: Dunning,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  private today(): string {
    return localDate(this.clock.nowMs(), 'UTC');
  }

  @Get('dunning/policies')
  @RequiresRole('read')
  @ApiOperation({ summary: 'The dunning policies per segment with their steps (a code table)' })
  async policies(): Promise<{ items: unknown[] }> {
    return { items: await this.dunning.policies() };
  }

  @Post('dunning/run')
  @HttpCode(200)
  @RequiresRole('collections')
  @ApiOperation({ summary: 'Evaluate every overdue account now (as the daily run does): each due step taken once' })
  run(@Body() body: unknown): Promise<DunningRunSummary> {
    const b = readBody(body ?? {}, ['date']);
    if (b.date !== undefined && !isDate(b.date)) throw CollectionsError.invalid('date', 'a date YYYY-MM-DD');
    return this.dunning.run((b.date as string | undefined) ?? this.today(), this.clock.nowMs());
  }

  @Get('dunning/agency-handover')
  @RequiresRole('collections')
  @ApiQuery({ name: 'day', required: true })
  @ApiProduces('text/csv')
  @ApiOperation({ summary: 'The accounts handed to the collection agency on a day, as CSV' })
  async agency(@Query() query: RawQuery, @Res() reply: FastifyReply): Promise<void> {
    const q = readQuery(query, ['day']);
    if (!isDate(q.day)) throw CollectionsError.invalid('day', 'a date YYYY-MM-DD');
    await reply.header('content-type', 'text/csv; charset=utf-8').send(await this.dunning.agencyHandover(q.day));
  }

  @Get('accounts/:accountId/dunning')
  @RequiresRole('read')
  @ApiOperation({ summary: "An account's dunning: segment, promise to pay, bar, its cases with the steps taken, and its notices" })
  async state(@Param('accountId') accountId: string): Promise<Record<string, unknown>> {
    return this.dunning.accountState(readId('accountId', accountId)!);
  }

  @Get('accounts/:accountId/morale')
  @RequiresRole('read')
  @ApiOkResponse({ description: '{ invoicesDue, paidOnTime, onTimeRatio, averageDaysLate }' })
  @ApiOperation({
    summary: 'Payment morale: the share of invoices paid by their due date and the average days late (risk and credit decisions)',
  })
  morale(@Param('accountId') accountId: string): Promise<unknown> {
    return this.dunning.morale(readId('accountId', accountId)!, this.today());
  }

  @Put('accounts/:accountId/dunning-segment')
  @HttpCode(204)
  @RequiresRole('collections')
  @ApiOperation({ summary: "The account's customer segment, which chooses its dunning policy" })
  async segment(@Param('accountId') accountId: string, @Body() body: unknown): Promise<void> {
    const b = readBody(body, ['segment']);
    if (!(SEGMENTS as readonly unknown[]).includes(b.segment)) throw CollectionsError.invalid('segment', `one of ${SEGMENTS.join(', ')}`);
    await this.dunning.setSegment(readId('accountId', accountId)!, b.segment as string, this.clock.nowMs());
  }

  @Put('accounts/:accountId/promise-to-pay')
  @HttpCode(204)
  @RequiresRole('collections')
  @ApiOperation({ summary: 'A promise to pay until a date: no escalation until then; `until: null` withdraws it' })
  async promise(@Param('accountId') accountId: string, @Body() body: unknown): Promise<void> {
    const b = readBody(body, ['until', 'note']);
    if (b.until !== null && !isDate(b.until)) throw CollectionsError.invalid('until', 'a date YYYY-MM-DD, or null');
    const today = this.today();
    if (typeof b.until === 'string' && (b.until < today || (Date.parse(b.until) - Date.parse(today)) / 86_400_000 > PROMISE_DAYS_MAX))
      throw CollectionsError.invalid('until', `from today to ${PROMISE_DAYS_MAX} days ahead (PROMISE_DAYS_MAX)`);
    if (b.note !== undefined && (typeof b.note !== 'string' || b.note.length > 500))
      throw CollectionsError.invalid('note', 'text of at most 500 characters');
    await this.dunning.promiseToPay(
      readId('accountId', accountId)!,
      b.until as string | null,
      (b.note as string | undefined) ?? null,
      this.clock.nowMs(),
    );
  }

  @Post('documents/:documentId/dispute')
  @HttpCode(200)
  @RequiresRole('collections')
  @ApiOperation({ summary: 'Dispute a document: held out of dunning until the dispute is withdrawn' })
  async dispute(
    @Param('documentId') documentId: string,
    @Body() body: unknown,
    @Req() req: RequestWithActor,
  ): Promise<{ disputed: boolean }> {
    const b = readBody(body, ['reason']);
    if (typeof b.reason !== 'string' || b.reason.trim() === '' || b.reason.length > 500)
      throw CollectionsError.invalid('reason', '1-500 characters');
    const id = readId('documentId', documentId)!;
    const exists = await this.dunning.documentExists(id);
    if (!exists) throw CollectionsError.notFound(`billing document ${id}`);
    await this.dunning.dispute(id, b.reason, req[ACTOR_REQUEST_KEY] ?? 'unknown', this.clock.nowMs());
    return { disputed: true };
  }

  @Delete('documents/:documentId/dispute')
  @HttpCode(200)
  @RequiresRole('collections')
  @ApiOperation({ summary: 'Withdraw the dispute of a document: dunning counts it again' })
  async undispute(@Param('documentId') documentId: string): Promise<{ disputed: boolean }> {
    await this.dunning.undispute(readId('documentId', documentId)!);
    return { disputed: false };
  }
}
