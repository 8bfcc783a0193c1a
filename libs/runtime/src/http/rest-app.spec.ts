/**
 * The shared REST plumbing on a tiny Nest app driven through `inject` (no network, no servers):
 * one global filter answers route errors, body errors and unknown routes in the error format, and
 * every request lands in ratel_http_request_duration_seconds under its route template.
 */
import { Body, Controller, Get, Module, Param, Post } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createRestApp } from './rest-app';
import { RestErrorFilter } from './rest-error-filter';
import { frameworkErrorOf, type RestError } from './rest-errors';

const BODY_LIMIT_BYTES = 1024;

class DomainError extends Error {}

@Controller('things')
class ThingsController {
  @Post()
  create(@Body() body: { name?: string }): { name: string | undefined } {
    return { name: body.name };
  }

  @Get(':id')
  get(@Param('id') id: string): never {
    throw new DomainError(`thing ${id} is out of stock`);
  }

  @Get('boom/now')
  boom(): never {
    throw new Error('secret detail');
  }
}

@Module({ controllers: [ThingsController] })
class TestModule {}

class TestFilter extends RestErrorFilter {
  protected domainErrorOf(err: unknown): RestError | undefined {
    return err instanceof DomainError ? { status: 422, body: { code: 'OUT_OF_STOCK', message: err.message } } : undefined;
  }
}

let app: NestFastifyApplication;
const registry = new Registry();

beforeAll(async () => {
  app = await createRestApp(TestModule, {
    bodyLimitBytes: BODY_LIMIT_BYTES,
    logger: false,
    errorFilter: () => new TestFilter(pino({ level: 'silent' }), 'test api'),
    registry: () => registry,
  });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
});

afterAll(async () => {
  await app?.close();
});

async function post(payload: string, contentType = 'application/json'): Promise<{ status: number; body: unknown }> {
  const res = await app.inject({ method: 'POST', url: '/things', payload, headers: { 'content-type': contentType } });
  return { status: res.statusCode, body: JSON.parse(res.body) };
}

describe('createRestApp', () => {
  it('parses JSON bodies', async () => {
    expect(await post('{"name":"x"}')).toEqual({ status: 201, body: { name: 'x' } });
  });

  it.each([
    ['malformed JSON', '{"name":', 'application/json', 400, 'INVALID_ARGUMENT', /^body: not valid JSON: /],
    ['an empty JSON body', '', 'application/json', 400, 'INVALID_ARGUMENT', /^body: empty, but content-type is application\/json/],
    ['prototype poisoning', '{"__proto__":{"x":1}}', 'application/json', 400, 'INVALID_ARGUMENT', /^body: not valid JSON/],
    [
      'an oversized body',
      JSON.stringify({ name: 'x'.repeat(BODY_LIMIT_BYTES) }),
      'application/json',
      413,
      'PAYLOAD_TOO_LARGE',
      /limit of 1024 bytes/,
    ],
    ['plain text', 'hello', 'text/plain', 415, 'UNSUPPORTED_MEDIA_TYPE', /"text\/plain" is not accepted here/],
    ['a form', 'a=1', 'application/x-www-form-urlencoded', 415, 'UNSUPPORTED_MEDIA_TYPE', /send application\/json/],
  ])('%s: the error format with a code', async (_name, payload, contentType, status, code, message) => {
    const res = await post(payload, contentType);
    expect(res).toEqual({ status, body: expect.objectContaining({ code, field: 'body', message: expect.stringMatching(message) }) });
  });

  it('maps domain errors with the app filter, unknown routes to 404, and hides unexpected errors', async () => {
    const domain = await app.inject({ method: 'GET', url: '/things/t1' });
    expect([domain.statusCode, JSON.parse(domain.body)]).toEqual([422, { code: 'OUT_OF_STOCK', message: 'thing t1 is out of stock' }]);
    const missing = await app.inject({ method: 'DELETE', url: '/nowhere?q=1' });
    expect([missing.statusCode, JSON.parse(missing.body)]).toEqual([404, { code: 'NOT_FOUND', message: 'no route DELETE /nowhere' }]);
    const boom = await app.inject({ method: 'GET', url: '/things/boom/now' });
    expect([boom.statusCode, boom.body.includes('secret')]).toEqual([500, false]);
    expect(JSON.parse(boom.body).code).toBe('INTERNAL');
  });

  it('counts requests by method, route template and status', async () => {
    await app.inject({ method: 'GET', url: '/things/t2' });
    const metric = await registry.getSingleMetric('ratel_http_request_duration_seconds')!.get();
    const counts = metric.values
      .filter((v) => (v as { metricName?: string }).metricName === 'ratel_http_request_duration_seconds_count')
      .map((v) => `${v.labels.method} ${v.labels.route} ${v.labels.status}`);
    expect(counts).toEqual(expect.arrayContaining(['GET /things/:id 422', 'POST /things 201', 'POST /things 413', 'DELETE unmatched 404']));
    expect(counts.join()).not.toContain('t2');
  });
});

describe('frameworkErrorOf', () => {
  it('leaves errors it does not know to the caller (a 500)', () => {
    expect(frameworkErrorOf(new Error('x'), { method: 'GET', url: '/' })).toBeUndefined();
  });
});
