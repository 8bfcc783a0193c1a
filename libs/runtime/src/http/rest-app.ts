/**
 * Builds a REST app the same way in every Ratel process: Nest on fastify with the given limits, one
 * global error filter (rest-error-filter.ts), a JSON body parser whose failures are errors of that
 * format, and the request histogram (request-metrics.ts). Apps and their e2e specs call it, so what
 * a spec drives is what production serves.
 */
import type { DynamicModule, ExceptionFilter, LoggerService, LogLevel, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { Registry } from 'prom-client';
import { instrumentHttpRequests } from './request-metrics';
import { RequestBodyError } from './rest-errors';

/** Length of the parser's message quoted in a malformed-JSON answer. */
const JSON_ERROR_DETAIL_MAX_LENGTH = 200;

export interface RestAppOptions {
  /** Largest request body accepted (413 PAYLOAD_TOO_LARGE beyond). */
  bodyLimitBytes: number;
  /** Further fastify options (router limits, request timeout). */
  fastify?: Omit<FastifyServerOptions, 'bodyLimit'>;
  /** Nest's own logger (e.g. a NestPinoLogger: JSON lines), or its log levels; false: none. */
  logger?: LoggerService | LogLevel[] | false;
  /** The app's global error filter, made once the app (and its logger) exists. */
  errorFilter(app: NestFastifyApplication): ExceptionFilter;
  /** The registry of the request histogram. */
  registry(app: NestFastifyApplication): Registry;
}

/**
 * application/json bodies: fastify's own parser (prototype-poisoning protection included), with an
 * empty or malformed body a RequestBodyError saying which, instead of fastify's plain error.
 * fastify's text/plain parser goes: no route takes plain text, so it is 415 like any other media
 * type nobody registered (a feature that takes one, such as CDR files, adds its own parser).
 */
export function installJsonBodyParser(fastify: FastifyInstance): void {
  fastify.removeContentTypeParser('text/plain');
  const { onProtoPoisoning, onConstructorPoisoning } = fastify.initialConfig;
  const parse = fastify.getDefaultJsonParser(onProtoPoisoning ?? 'error', onConstructorPoisoning ?? 'error');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, raw, done) => {
    const body = typeof raw === 'string' ? raw : raw.toString('utf8');
    if (body.length === 0) {
      done(new RequestBodyError('empty, but content-type is application/json; send a JSON document'), undefined);
      return;
    }
    parse(request, body, (err, value) => {
      if (err === null) return done(null, value);
      let detail = err.message;
      try {
        JSON.parse(body);
      } catch (e) {
        detail = (e as Error).message; // the position of the syntax error, more useful than fastify's text
      }
      done(new RequestBodyError(`not valid JSON: ${detail.slice(0, JSON_ERROR_DETAIL_MAX_LENGTH)}`), undefined);
    });
  });
}

export async function createRestApp(root: DynamicModule | Type<unknown>, options: RestAppOptions): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ ...options.fastify, bodyLimit: options.bodyLimitBytes });
  // Nest's own body parsers are off: installJsonBodyParser is the one for JSON, and other media types are 415.
  const app = await NestFactory.create<NestFastifyApplication>(root, adapter, {
    bufferLogs: false,
    logger: options.logger ?? ['error', 'warn'],
    bodyParser: false,
    // A start-up error rejects to the caller (runMain logs it as one JSON line and exits 1), no abort.
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  installJsonBodyParser(fastify);
  app.useGlobalFilters(options.errorFilter(app));
  instrumentHttpRequests(fastify, options.registry(app));
  return app;
}
