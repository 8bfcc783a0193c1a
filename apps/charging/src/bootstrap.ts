/**
 * Builds and starts the charging app: HTTP (provisioning REST, OpenAPI, /metrics, probes) on
 * fastify, and the gRPC gateway (started by ChargingGrpcModule on bootstrap). Used by main.ts and
 * by `npm start`.
 */
import 'reflect-metadata';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { redactConfig } from '@app/config';
import { createLogger, LOGGER, Logger, METRICS_REGISTRY } from '@app/observability';
import { createRestApp, type RestAppOptions } from '@app/runtime/http';
import { NestPinoLogger } from '@app/runtime/nest-logger';
import { AppModule } from './app.module';
import { setupOpenApi } from './provisioning/openapi';
import { ProvisioningErrorFilter } from './provisioning/provisioning-error.filter';
import { ChargingConfig } from './config';

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

/** How the charging app's REST side is built (also by the provisioning e2e spec): limits, error filter, metrics. */
export function chargingRestOptions(): RestAppOptions {
  return {
    bodyLimitBytes: HTTP_BODY_LIMIT_BYTES,
    errorFilter: (app) => new ProvisioningErrorFilter(app.get<Logger>(LOGGER)),
    registry: (app) => app.get(METRICS_REGISTRY),
  };
}

export async function bootstrapCharging(
  config: ChargingConfig,
  options: BootstrapOptions = { shutdownHooks: true },
): Promise<NestFastifyApplication> {
  // Nest logs through pino (JSON, warn and above); a start-up error rejects to runMain.
  const app = await createRestApp(AppModule.forRoot(config), { ...chargingRestOptions(), logger: nestLogger(config) });
  if (options.shutdownHooks) app.enableShutdownHooks();
  setupOpenApi(app);
  await app.listen(config.RATEL_HTTP_PORT, config.RATEL_HTTP_HOST);
  const logger = app.get<Logger>(LOGGER);
  logger.info({ config: redactConfig(config as unknown as Record<string, unknown>) }, 'charging app started');
  return app;
}
