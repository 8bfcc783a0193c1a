/** The OpenAPI document of the invoicing API, served at /openapi.json. */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { OPENAPI_API_KEY_SCHEME, OPENAPI_JWT_SCHEME } from './api-controller';
import { API_KEY_HEADER } from './auth.guard';

export const OPENAPI_JSON_PATH = '/openapi.json';

export function buildOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Ratel invoicing API')
    .setDescription(
      'Usage and revenue read from the rated events in ClickHouse (every figure counts each event once, whatever the redeliveries), ' +
        'and revenue assurance against the events published on NATS JetStream. Money: decimal strings of int64 micros of the line currency. ' +
        'Periods: `from` inclusive, `to` exclusive, YYYY-MM-DD (UTC) or ISO 8601 date-times. ' +
        'Authenticate every request with an API key (x-api-key) or an HS256 bearer JWT.',
    )
    .setVersion('1')
    .addApiKey({ type: 'apiKey', in: 'header', name: API_KEY_HEADER }, OPENAPI_API_KEY_SCHEME)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, OPENAPI_JWT_SCHEME)
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Serves the document; call after the app is created and before it listens. */
export function setupOpenApi(app: NestFastifyApplication): OpenAPIObject {
  const document = buildOpenApiDocument(app);
  const json = JSON.stringify(document);
  app
    .getHttpAdapter()
    .getInstance()
    .get(OPENAPI_JSON_PATH, (_req, reply) => reply.type('application/json; charset=utf-8').send(json));
  return document;
}
