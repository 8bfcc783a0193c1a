/**
 * Builds and starts the invoicing HTTP app (NestJS on fastify): the usage and assurance APIs,
 * /openapi.json, /metrics and /healthz, on INVOICING_HTTP_HOST:PORT. The
 * error filter, JSON body parsing and request metrics are the shared ones of @app/runtime/http.
 */
import 'reflect-metadata';
import { DynamicModule } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import { createRestApp } from '@app/runtime/http';
import { assertApiCredentials } from '../config';
import type { InvoicingHttpDeps } from './infra.module';
import { InvoicingErrorFilter } from './invoicing-error.filter';
import { setupOpenApi } from './openapi';
import { NestPinoLogger } from '@app/runtime/nest-logger';

/** Largest request body accepted. */
export const HTTP_BODY_LIMIT_BYTES = 16 * 1024 * 1024;
/** Longest path parameter: an over-long account id gets a 400 naming it, not a 404 from the router. */
export const HTTP_PATH_PARAMETER_MAX_LENGTH = 512;
/** Bound of one request, including a reconciliation (ClickHouse queries stop earlier on their own). */
export const HTTP_REQUEST_TIMEOUT_MS = 300_000;

export interface InvoicingHttp {
  app: NestFastifyApplication;
  url: string;
  close(): Promise<void>;
}

export async function startInvoicingHttp(root: DynamicModule, deps: InvoicingHttpDeps): Promise<InvoicingHttp> {
  assertApiCredentials(deps.config);
  const app = await createRestApp(root, {
    bodyLimitBytes: HTTP_BODY_LIMIT_BYTES,
    fastify: { routerOptions: { maxParamLength: HTTP_PATH_PARAMETER_MAX_LENGTH }, requestTimeout: HTTP_REQUEST_TIMEOUT_MS },
    errorFilter: () => new InvoicingErrorFilter(deps.logger),
    registry: () => deps.registry,
    // Nest logs through our pino logger (JSON, warn and above); a start-up error rejects to main.
    logger: new NestPinoLogger(deps.logger.child({ component: 'nest' }, { level: 'warn' })),
  });
  setupOpenApi(app);
  await app.listen(deps.config.INVOICING_HTTP_PORT, deps.config.INVOICING_HTTP_HOST);
  const address = app.getHttpServer().address() as AddressInfo;
  const url = `http://${deps.config.INVOICING_HTTP_HOST}:${address.port}`;
  deps.logger.info({ url }, 'invoicing http api listening');
  return { app, url, close: () => app.close() };
}
