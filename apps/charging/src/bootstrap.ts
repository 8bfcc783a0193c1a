/**
 * Builds and starts the charging app: HTTP (provisioning REST, OpenAPI, /metrics, probes) on
 * fastify, and the gRPC gateway (started by ChargingGrpcModule on bootstrap). Used by main.ts and
 * by `npm start`.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { ChargingConfig, redactConfig } from '@app/config';
import { createLogger, LOGGER, Logger } from '@app/observability';
import { NestPinoLogger } from '@app/runtime/nest-logger';
import { AppModule } from './app.module';
import { setupOpenApi } from './provisioning/openapi';

/** Largest HTTP request body accepted (provisioning payloads are small). */
export const HTTP_BODY_LIMIT_BYTES = 256 * 1024;

/** Nest's own messages (warn and above) as JSON lines of the charging logger. */
function nestLogger(config: ChargingConfig): NestPinoLogger {
  return new NestPinoLogger(createLogger('charging', config.RATEL_LOG_LEVEL).child({ component: 'nest' }, { level: 'warn' }));
}

export interface BootstrapOptions {
  /**
   * Let Nest close the app on SIGTERM/SIGINT (and then re-raise the signal). Off when the caller
   * handles the signals itself, as `npm start` does to stop its servers after the app.
   */
  shutdownHooks: boolean;
}

export async function bootstrapCharging(config: ChargingConfig, options: BootstrapOptions = { shutdownHooks: true }): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config),
    new FastifyAdapter({ bodyLimit: HTTP_BODY_LIMIT_BYTES }),
    // Nest logs through pino (JSON, warn and above); a start-up error rejects to runMain (no abort).
    { logger: nestLogger(config), abortOnError: false },
  );
  if (options.shutdownHooks) app.enableShutdownHooks();
  setupOpenApi(app);
  await app.listen(config.RATEL_HTTP_PORT, config.RATEL_HTTP_HOST);
  const logger = app.get<Logger>(LOGGER);
  logger.info({ config: redactConfig(config as unknown as Record<string, unknown>) }, 'charging app started');
  return app;
}
