/**
 * The invoice-run API: start (or resume) the run of a closed cycle, follow it per phase and shard,
 * re-run a phase. Role `billing`.
 */
import { Body, Get, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { type CycleReport, reportCsv } from '../phases/report.executor';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiResponse,
} from '@nestjs/swagger';
import { RequiresRole } from '@app/auth';
import { ErrorResponse, InvoicingApiController } from '../../api/api-controller';
import { RUN_PHASES } from '../run/run-phases';
import { InvoiceRunService } from '../run/run-service';
import { idParam, rerunCommand, runResponse, startRunCommand } from './runs-commands';
import { RerunPhaseBody, RunResponse, StartRunBody } from './runs.dto';

@InvoicingApiController('v1/billing/runs', 'billing runs')
export class RunsController {
  constructor(@Inject(InvoiceRunService) private readonly runs: InvoiceRunService) {}

  @Post()
  @HttpCode(202)
  @RequiresRole('billing')
  @ApiOperation({
    summary: 'Start (or resume) the invoice run of a CLOSED billing cycle',
    description:
      'One run per cycle: starting a cycle again returns its run and resumes it where it stopped. The run goes through PLAN, ' +
      'COMPUTE, VALIDATE, FINALIZE, RENDER, DELIVER and REPORT in the background; follow it with GET /v1/billing/runs/{runId}.',
  })
  @ApiBody({ type: StartRunBody })
  @ApiAcceptedResponse({ type: RunResponse })
  @ApiResponse({ status: 422, description: 'The cycle is not CLOSED (CYCLE_NOT_CLOSED)', type: ErrorResponse })
  @ApiConflictResponse({ description: 'The run exists with another shard count (SHARD_COUNT_MISMATCH)', type: ErrorResponse })
  async start(@Body() body: unknown): Promise<RunResponse> {
    return runResponse(await this.runs.start(startRunCommand(body)));
  }

  @Get(':runId')
  @RequiresRole('billing')
  @ApiOperation({ summary: 'A run: its status, usage watermarks, and each phase and shard with its progress and last error' })
  @ApiParam({ name: 'runId', example: 'run-MONTHLY_1-2026-11' })
  @ApiOkResponse({ type: RunResponse })
  @ApiNotFoundResponse({ description: 'No such run (RUN_NOT_FOUND)', type: ErrorResponse })
  async get(@Param('runId') runId: string): Promise<RunResponse> {
    return runResponse(await this.runs.view(idParam(runId, 'runId')));
  }

  @Get(':runId/report')
  @RequiresRole('billing')
  @ApiOperation({
    summary: 'The cycle report of a run, as JSON',
    description:
      'Revenue per service, per tax rate and per document type, documents by status, held drafts with their reasons, run anomalies, ' +
      'totals, and the previous run of the cycle type for comparison. 409 PHASE_NOT_READY before REPORT has run.',
  })
  @ApiOkResponse({ description: 'the report (see apps/invoicing/README.md, "Cycle report")' })
  async report(@Param('runId') runId: string): Promise<unknown> {
    return this.runs.report(idParam(runId, 'runId'));
  }

  @Get(':runId/report.csv')
  @RequiresRole('billing')
  @ApiOperation({ summary: 'The cycle report as CSV: section, currency, key, value, previous value' })
  @ApiProduces('text/csv')
  async reportCsv(@Param('runId') runId: string, @Res() reply: FastifyReply): Promise<void> {
    const report = (await this.runs.report(idParam(runId, 'runId'))) as CycleReport;
    void reply.status(200).header('content-type', 'text/csv; charset=utf-8').send(reportCsv(report));
  }

  @Post(':runId/phases/:phase/rerun')
  @HttpCode(202)
  @RequiresRole('billing')
  @ApiOperation({
    summary: 'Run a phase again, and every phase after it',
    description:
      'Every phase is idempotent, so a re-run changes only what has changed since (a fixed configuration, an approved draft). ' +
      'Steps under a live lease are left to their worker.',
  })
  @ApiParam({ name: 'phase', enum: RUN_PHASES })
  @ApiBody({ type: RerunPhaseBody, required: false })
  @ApiAcceptedResponse({ type: RunResponse })
  @ApiNotFoundResponse({ description: 'No such run (RUN_NOT_FOUND)', type: ErrorResponse })
  @ApiConflictResponse({ description: 'A coordinator drives the run now (RUN_BUSY)', type: ErrorResponse })
  async rerun(@Param('runId') runId: string, @Param('phase') phase: string, @Body() body: unknown): Promise<RunResponse> {
    return runResponse(await this.runs.rerun(rerunCommand(runId, phase, body)));
  }
}
