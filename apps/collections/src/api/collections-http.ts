/**
 * Builds and starts the collections HTTP app on the shared runtime (createRestApp: the error format,
 * JSON bodies, request metrics), with the statement media types taken as raw bytes, /openapi.json,
 * on COLLECTIONS_HTTP_HOST:PORT.
 */
import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { API_KEY_HEADER } from '@app/auth';
import { createRestApp, installOpsRoutes, serveOpenApi } from '@app/runtime/http';
import { NestPinoLogger } from '@app/runtime/nest-logger';
import { assertApiCredentials } from '../config';
import { CARD_WEBHOOK_PATH, RAW_BODY_REQUEST_KEY } from '../card/card.controller';
import { STATEMENT_MEDIA_TYPES } from '../payments/payments.controller';
import { CollectionsAppModule, type CollectionsHttpDeps } from './collections.module';
import { CollectionsErrorFilter } from './collections-error.filter';

/** Largest statement file accepted through the API (larger files: the CLI, which streams from disk). */
export const STATEMENT_BODY_LIMIT_BYTES = 64 * 1024 * 1024;
/** Bound of one request, an import of a large file included. */
export const HTTP_REQUEST_TIMEOUT_MS = 600_000;

export interface CollectionsHttp {
  app: NestFastifyApplication;
  url: string;
  openApi: OpenAPIObject;
  close(): Promise<void>;
}

export async function startCollectionsHttp(deps: CollectionsHttpDeps): Promise<CollectionsHttp> {
  assertApiCredentials(deps.config);
  const app = await createRestApp(CollectionsAppModule.forRoot(deps), {
    bodyLimitBytes: STATEMENT_BODY_LIMIT_BYTES,
    fastify: { requestTimeout: HTTP_REQUEST_TIMEOUT_MS },
    errorFilter: () => new CollectionsErrorFilter(deps.logger),
    registry: () => deps.registry,
    logger: new NestPinoLogger(deps.logger.child({ component: 'nest' }, { level: 'warn' })),
  });
  const fastify = app.getHttpAdapter().getInstance();
  installOpsRoutes(fastify, { registry: deps.registry, ...deps.health });
  // Statement files are bytes: the use case decodes them (UTF-8, across chunks) and parses them.
  fastify.addContentTypeParser([...STATEMENT_MEDIA_TYPES], { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  // The card webhook's signature is over its exact bytes: keep them beside the parsed JSON.
  fastify.addHook('preParsing', async (request, _reply, payload) => {
    if (request.method !== 'POST' || request.url.split('?')[0] !== CARD_WEBHOOK_PATH) return payload;
    const chunks: Buffer[] = [];
    for await (const c of payload) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    (request as unknown as Record<string, Buffer>)[RAW_BODY_REQUEST_KEY] = raw;
    return Readable.from([raw]);
  });
  const openApi = serveOpenApi(app, {
    title: 'Ratel collections API',
    description:
      'Payments in from bank statements (camt.053, camt.054, MT940), their matching to billing documents, allocations and the suspense queue. ' +
      'Money: decimal strings of the currency minor unit. Authenticate with an API key (x-api-key) or a bearer JWT; imports need the collections role.',
    apiKeyHeader: API_KEY_HEADER,
  });
  await app.listen(deps.config.COLLECTIONS_HTTP_PORT, deps.config.COLLECTIONS_HTTP_HOST);
  const address = app.getHttpServer().address() as AddressInfo;
  const url = `http://${deps.config.COLLECTIONS_HTTP_HOST}:${address.port}`;
  deps.logger.info({ url }, 'collections http api listening');
  return { app, url, openApi, close: () => app.close() };
}
