/**
 * Builds and starts the mediation HTTP app (NestJS on fastify): the CDR API, /openapi.json,
 * /metrics, /healthz and /readyz on RATEL_MEDIATION_HTTP_HOST:RATEL_MEDIATION_HTTP_PORT.
 */
import 'reflect-metadata';
import { DynamicModule } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@app/observability';
import type { Registry } from 'prom-client';
import { createRestApp } from '@app/runtime/http';
import { NestPinoLogger } from '@app/runtime/nest-logger';
import { CdrErrorFilter } from './cdr-error.filter';
import { setupOpenApi } from './openapi';

/** Largest non-CSV request body (CSV uploads are streamed and bound by CDR_FILE_MAX_BYTES instead). */
export const MEDIATION_HTTP_BODY_MAX_BYTES = 64 * 1024;
/** Bound of one request: an upload answers once its file is rated (2,000,000 records at most). */
export const MEDIATION_HTTP_REQUEST_TIMEOUT_MS = 30 * 60 * 1000;

export interface MediationHttp {
  app: NestFastifyApplication;
  url: string;
  close(): Promise<void>;
}

export interface MediationHttpOptions {
  host: string;
  port: number;
  logger: Logger;
  registry: Registry;
}

/**
 * Creates the app on the shared REST builder (@app/runtime/http createRestApp: the one error
 * format, JSON body parsing and request metrics of every Ratel REST app); the CDR module adds its
 * text/csv parser on bootstrap. `listen` is the caller's.
 */
export async function createMediationApp(
  root: DynamicModule,
  o: Pick<MediationHttpOptions, 'logger' | 'registry'>,
): Promise<NestFastifyApplication> {
  const app = await createRestApp(root, {
    bodyLimitBytes: MEDIATION_HTTP_BODY_MAX_BYTES,
    fastify: { requestTimeout: MEDIATION_HTTP_REQUEST_TIMEOUT_MS },
    errorFilter: () => new CdrErrorFilter(o.logger),
    registry: () => o.registry,
    logger: new NestPinoLogger(o.logger.child({ component: 'nest' }, { level: 'warn' })),
  });
  setupOpenApi(app);
  return app;
}

export async function startMediationHttp(root: DynamicModule, o: MediationHttpOptions): Promise<MediationHttp> {
  const app = await createMediationApp(root, o);
  await app.listen(o.port, o.host);
  const address = app.getHttpServer().address() as AddressInfo;
  const url = `http://${o.host}:${address.port}`;
  o.logger.info({ url }, 'mediation http api listening');
  return { app, url, close: () => app.close() };
}
