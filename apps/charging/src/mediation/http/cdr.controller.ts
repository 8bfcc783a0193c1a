/**
 * The CDR mediation API, authenticated by CdrAuthGuard (API key or bearer JWT, as every Ratel
 * REST API) with the `{code, message, parameter?}` error shape. Thin: each route maps the request to one use case.
 */
import { Controller, Get, HttpStatus, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CdrError, CdrErrorCode } from '../cdr-error';
import { CDR_FILE_MAX_BYTES } from '../cdr.limits';
import { ListCdrFilesQuery, ListCdrRejectsQuery } from '../usecases/cdr-commands';
import { GetCdrFileUseCase } from '../usecases/get-cdr-file.usecase';
import { ListCdrFilesUseCase } from '../usecases/list-cdr-files.usecase';
import { ListCdrRejectsUseCase } from '../usecases/list-cdr-rejects.usecase';
import { UploadCdrFileUseCase } from '../usecases/upload-cdr-file.usecase';
import { CdrAuthGuard } from './cdr-auth.guard';
import { CdrErrorFilter } from './cdr-error.filter';
import { OPENAPI_API_KEY_SCHEME, OPENAPI_JWT_SCHEME } from './openapi';
import { CdrFileListResponse, CdrFileResponse, CdrRejectListResponse, fileResponse, rejectResponse } from './cdr.views';
import { CSV_CONTENT_TYPE } from './csv-body-parser';

function isStream(body: unknown): body is AsyncIterable<Uint8Array> {
  return typeof body === 'object' && body !== null && Symbol.asyncIterator in body;
}

@Controller('v1/cdr/files')
@ApiTags('cdr')
@ApiSecurity(OPENAPI_API_KEY_SCHEME)
@ApiBearerAuth(OPENAPI_JWT_SCHEME)
@UseGuards(CdrAuthGuard)
@UseFilters(CdrErrorFilter)
export class CdrController {
  constructor(
    private readonly upload: UploadCdrFileUseCase,
    private readonly getFile: GetCdrFileUseCase,
    private readonly listFiles: ListCdrFilesUseCase,
    private readonly listRejects: ListCdrRejectsUseCase,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Ingest a CDR file (streamed CSV body); answers when it is rated',
    description: `Formats: apps/charging/src/mediation/FORMATS.md. At most ${CDR_FILE_MAX_BYTES} bytes.`,
  })
  @ApiConsumes(CSV_CONTENT_TYPE)
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiQuery({ name: 'format', enum: ['voice', 'data'] })
  @ApiQuery({ name: 'name', description: '1-128 characters of [A-Za-z0-9_.-]' })
  @ApiCreatedResponse({ type: CdrFileResponse, description: 'Rated now (status DONE)' })
  @ApiOkResponse({ type: CdrFileResponse, description: 'The same content was ingested before (`duplicate: true`)' })
  async post(
    @Query('format') format: unknown,
    @Query('name') name: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CdrFileResponse> {
    const body = request.body;
    if (!isStream(body)) throw new CdrError(CdrErrorCode.UNSUPPORTED_MEDIA_TYPE, `send the file as ${CSV_CONTENT_TYPE}`);
    const result = await this.upload.execute({ body, name, format });
    void reply.status(result.duplicate ? HttpStatus.OK : HttpStatus.CREATED);
    return fileResponse({ summary: result.summary }, result.duplicate);
  }

  @Get()
  @ApiOperation({ summary: 'CDR files, newest first' })
  @ApiQuery({ name: 'limit', required: false, description: '1-500, default 50' })
  @ApiQuery({ name: 'before', required: false, description: 'nextCursor of the previous page' })
  @ApiOkResponse({ type: CdrFileListResponse })
  async list(@Query('limit') limit: unknown, @Query('before') before: unknown): Promise<CdrFileListResponse> {
    const page = await this.listFiles.execute(ListCdrFilesQuery.create({ limit, before }));
    const out: CdrFileListResponse = { files: page.files.map((f) => fileResponse(f)) };
    if (page.nextCursor !== undefined) out.nextCursor = page.nextCursor;
    return out;
  }

  @Get(':id')
  @ApiOperation({ summary: 'A CDR file: summary, and progress while it is being rated' })
  @ApiOkResponse({ type: CdrFileResponse })
  async get(@Param('id') id: string): Promise<CdrFileResponse> {
    return fileResponse(await this.getFile.execute(id));
  }

  @Get(':id/rejects')
  @ApiOperation({ summary: 'Rejected records of a CDR file, by line number' })
  @ApiQuery({ name: 'afterLine', required: false, description: 'nextAfterLine of the previous page' })
  @ApiQuery({ name: 'limit', required: false, description: '1-500, default 50' })
  @ApiOkResponse({ type: CdrRejectListResponse })
  async rejects(
    @Param('id') id: string,
    @Query('afterLine') afterLine: unknown,
    @Query('limit') limit: unknown,
  ): Promise<CdrRejectListResponse> {
    const q = ListCdrRejectsQuery.create({ fileId: id, afterLine, limit });
    const page = await this.listRejects.execute(q);
    const out: CdrRejectListResponse = { fileId: q.fileId, rejects: page.rejects.map(rejectResponse) };
    if (page.nextAfterLine !== undefined) out.nextAfterLine = page.nextAfterLine;
    return out;
  }
}
