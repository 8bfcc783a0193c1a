/**
 * Billing cycles and cycle types (role billing): the cycle-type code table (list, add), cycles with
 * filters and paging, one cycle with its accounts, run and documents, and the due action that
 * creates cycles ahead and moves the due ones on.
 */
import { Body, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import {
  ApiBody,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiQuery,
  ApiResponse,
} from '@nestjs/swagger';
import { RequiresRole } from '@app/auth';
import { ErrorResponse, InvoicingApiController } from '../../api/api-controller';
import { CYCLE_KINDS } from '../cycles/cycle-periods';
import {
  CYCLE_STATUSES,
  CycleAdminService,
  type CycleDetailView,
  type CycleTypeView,
  type CycleView,
  CYCLES_PAGE_MAX,
} from '../cycles/cycle-admin';
import { cycleFilter, cycleTypeBody, dueBody } from './cycles-commands';
import { idParam } from './documents-commands';

export class CycleTypeBody {
  @ApiProperty({ example: 'PARIS_M1', pattern: '^[A-Z0-9_]{1,32}$' }) code!: string;
  @ApiProperty({ enum: CYCLE_KINDS }) kind!: string;
  @ApiProperty({ example: 1, description: 'WEEKLY: ISO weekday 1-7; else day of the month 1-28' }) anchorDay!: number;
  @ApiProperty({ example: 'Europe/Paris' }) timeZone!: string;
  @ApiProperty({ example: 3, required: false, description: 'days of late usage after the period (0-31, default 3)' }) graceDays?: number;
  @ApiProperty({ required: false }) description?: string;
}

export class DueBody {
  @ApiProperty({ example: 2, required: false, description: 'cycles created ahead of the current one per type (default 2)' }) ahead?: number;
}

@InvoicingApiController('v1/billing', 'billing cycles')
export class CyclesController {
  constructor(@Inject(CycleAdminService) private readonly cycles: CycleAdminService) {}

  @Get('cycle-types')
  @RequiresRole('billing')
  @ApiOperation({ summary: 'The cycle types (a code table)' })
  @ApiOkResponse({ description: '{ cycleTypes: [...] }' })
  async types(): Promise<{ cycleTypes: CycleTypeView[] }> {
    return { cycleTypes: await this.cycles.types() };
  }

  @Post('cycle-types')
  @HttpCode(201)
  @RequiresRole('billing')
  @ApiOperation({ summary: 'Add a cycle type (no code change needed); its cycles are created by POST /v1/billing/cycles/due' })
  @ApiBody({ type: CycleTypeBody })
  @ApiResponse({ status: 201, description: 'the cycle type' })
  @ApiConflictResponse({ description: 'The code exists (CYCLE_TYPE_EXISTS), nothing changed', type: ErrorResponse })
  addType(@Body() body: unknown): Promise<CycleTypeView> {
    return this.cycles.addType(cycleTypeBody(body));
  }

  @Get('cycles')
  @RequiresRole('billing')
  @ApiOperation({ summary: 'Billing cycles, newest first, filtered and paged' })
  @ApiQuery({ name: 'cycleType', required: false })
  @ApiQuery({ name: 'status', required: false, enum: CYCLE_STATUSES })
  @ApiQuery({ name: 'from', required: false, description: 'period starting on or after (YYYY-MM-DD)' })
  @ApiQuery({ name: 'to', required: false, description: 'period starting before (YYYY-MM-DD)' })
  @ApiQuery({ name: 'limit', required: false, description: `1-${CYCLES_PAGE_MAX}` })
  @ApiQuery({ name: 'offset', required: false })
  @ApiOkResponse({ description: '{ cycles: [...], total }' })
  list(@Query() query: Record<string, unknown>): Promise<{ cycles: CycleView[]; total: number }> {
    return this.cycles.list(cycleFilter(query));
  }

  @Post('cycles/due')
  @HttpCode(200)
  @RequiresRole('billing')
  @ApiOperation({
    summary: 'Create the cycles ahead for every type and move the due ones on: OPEN -> CLOSING (period over) -> CLOSED (grace over)',
  })
  @ApiBody({ type: DueBody, required: false })
  @ApiOkResponse({ description: '{ created, closing, closed }' })
  due(@Body() body: unknown): Promise<{ created: number; closing: number; closed: number }> {
    return this.cycles.due(dueBody(body).ahead);
  }

  @Get('cycles/:cycleId')
  @RequiresRole('billing')
  @ApiOperation({ summary: 'A cycle: its period, status, accounts of its type, run, and documents by status' })
  @ApiOkResponse({ description: 'the cycle' })
  @ApiNotFoundResponse({ description: 'No such cycle (CYCLE_NOT_FOUND)', type: ErrorResponse })
  get(@Param('cycleId') id: string): Promise<CycleDetailView> {
    return this.cycles.get(idParam(id, 'cycleId'));
  }
}
