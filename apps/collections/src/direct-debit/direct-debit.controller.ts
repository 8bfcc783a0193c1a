/** REST of SEPA direct debit (direct-debit.ts): mandates, runs and their pain.008, settlement, returns. */
import { Body, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiConsumes, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequiresRole } from '@app/auth';
import { maskIban } from '@app/money';
import type { Clock } from '@app/observability';
import { CollectionsApiController } from '../api/api-controller';
import { CLOCK } from '../api/tokens';
import { CollectionsError } from '../payments/collections-error';
import { XmlSyntaxError } from '../payments/statements/xml-stream';
import { type RawQuery, readBody, readId, readQuery } from '../payments/query-params';
import { DirectDebit, type MandateInput, type MandateView, type ReturnsOutcome, type RunView } from './direct-debit';

/** Largest returns file accepted over REST. */
export const RETURNS_FILE_BYTES_MAX = 16 * 1024 * 1024;

/** IBANs leave the API masked (issue 10, "IBANs are masked in logs and answers"); the pain.008 file holds them whole. */
const masked = (m: MandateView): MandateView => ({ ...m, iban: maskIban(m.iban) });

function date(name: string, value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw CollectionsError.invalid(name, 'a date YYYY-MM-DD');
  return value;
}

@CollectionsApiController('v1/collections', 'direct debit')
export class DirectDebitController {
  constructor(
    @Inject(DirectDebit) private readonly dd: DirectDebit,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post('mandates')
  @HttpCode(201)
  @RequiresRole('collections')
  @ApiOperation({
    summary: 'Record a SEPA mandate of an account (IBAN checked, mod 97); it replaces the active one; the same mandate again is a replay',
  })
  @ApiCreatedResponse({ description: 'the mandate' })
  async createMandate(@Body() body: unknown): Promise<MandateView> {
    const b = readBody(body, ['mandateId', 'accountId', 'debtorName', 'iban', 'bic', 'signedOn']);
    return masked(await this.dd.createMandate(b as unknown as MandateInput, this.clock.nowMs()));
  }

  @Get('mandates')
  @RequiresRole('read')
  @ApiQuery({ name: 'accountId', required: true })
  @ApiOperation({ summary: "An account's mandates, oldest first" })
  async mandates(@Query() query: RawQuery): Promise<{ items: MandateView[] }> {
    const q = readQuery(query, ['accountId']);
    const accountId = readId('accountId', q.accountId);
    if (accountId === undefined) throw CollectionsError.invalid('accountId', 'is required');
    return { items: (await this.dd.listMandates(accountId)).map(masked) };
  }

  @Post('mandates/:mandateId/revoke')
  @HttpCode(200)
  @RequiresRole('collections')
  @ApiOperation({ summary: 'Revoke a mandate (no further debits); revoking again changes nothing' })
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  async revoke(@Param('mandateId') mandateId: string, @Body() body: unknown): Promise<MandateView> {
    const b = readBody(body ?? {}, ['reason']);
    const reason = b.reason ?? 'revoked by an operator';
    if (typeof reason !== 'string' || reason.length > 500) throw CollectionsError.invalid('reason', 'text of at most 500 characters');
    return masked(await this.dd.revokeMandate(mandateId, reason, this.clock.nowMs()));
  }

  @Post('direct-debit/runs')
  @HttpCode(200)
  @RequiresRole('collections')
  @ApiOperation({
    summary:
      'The collection run of a date: made once (invoices due by then, accounts with an active mandate, AM04 returns once more), returned afterwards',
  })
  @ApiOkResponse({ description: 'the run; `created` says whether this call made it' })
  run(@Body() body: unknown): Promise<RunView> {
    const b = readBody(body, ['collectionDate']);
    if (typeof b.collectionDate !== 'string') throw CollectionsError.invalid('collectionDate', 'a date YYYY-MM-DD');
    return this.dd.run(date('collectionDate', b.collectionDate), { createdBy: 'api', nowMs: this.clock.nowMs() });
  }

  @Get('direct-debit/runs/:date')
  @RequiresRole('read')
  @ApiOperation({ summary: 'A run: its instructions by status, total and file hash' })
  async getRun(@Param('date') d: string): Promise<Omit<RunView, 'created'>> {
    return this.dd.runView(date('date', d));
  }

  @Get('direct-debit/runs/:date/pain008')
  @RequiresRole('collections')
  @ApiProduces('application/xml')
  @ApiOperation({ summary: "The run's pain.008.001.02 file, the same bytes every time (404 when the run debits nothing)" })
  async file(@Param('date') d: string, @Res() reply: FastifyReply): Promise<void> {
    const xml = await this.dd.runFile(date('date', d));
    if (xml === null) throw CollectionsError.notFound(`a pain.008 file for ${d} (the run debits nothing)`);
    await reply
      .header('content-type', 'application/xml; charset=utf-8')
      .header('content-disposition', `attachment; filename="pain008-${d}.xml"`)
      .send(xml);
  }

  @Post('direct-debit/runs/:date/settle')
  @HttpCode(200)
  @RequiresRole('collections')
  @ApiOperation({ summary: 'The bank collected the run: each pending debit becomes a payment on its document; again, nothing more' })
  settle(@Param('date') d: string): Promise<{ settled: number }> {
    return this.dd.settle(date('date', d), { nowMs: this.clock.nowMs() });
  }

  @Post('direct-debit/returns')
  @HttpCode(200)
  @RequiresRole('collections')
  @ApiConsumes('application/xml', 'text/xml')
  @ApiOperation({
    summary:
      'A pain.002 status report or camt.054 notification of returns: each return once, its payment reversed, its reason code acted on',
  })
  async returns(@Body() body: unknown): Promise<ReturnsOutcome> {
    if (!Buffer.isBuffer(body) || body.length === 0) throw CollectionsError.invalid('body', 'the returns file, as application/xml');
    if (body.length > RETURNS_FILE_BYTES_MAX) throw CollectionsError.invalid('body', `larger than ${RETURNS_FILE_BYTES_MAX} bytes`);
    try {
      return await this.dd.importReturns(body.toString('utf8'), { nowMs: this.clock.nowMs() });
    } catch (e) {
      if (e instanceof XmlSyntaxError) throw CollectionsError.invalid('body', e.message);
      throw e;
    }
  }

  @Get('direct-debit/returns/open')
  @RequiresRole('read')
  @ApiOperation({ summary: 'Returns left to an operator (MS02, MD06) or to dunning, oldest first' })
  async openReturns(@Query() query: RawQuery): Promise<{ items: unknown[] }> {
    readQuery(query, []);
    return { items: await this.dd.openReturns() };
  }
}
