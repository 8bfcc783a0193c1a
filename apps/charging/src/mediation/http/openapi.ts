/** The OpenAPI document of the mediation API, served at /openapi.json. */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { API_KEY_HEADER } from '@app/auth';

export const OPENAPI_JSON_PATH = '/openapi.json';
export const OPENAPI_API_KEY_SCHEME = 'apiKey';
export const OPENAPI_JWT_SCHEME = 'jwt';

export function buildOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Ratel CDR mediation API')
    .setDescription(
      'Offline rating of CDR files (apps/charging/src/mediation/FORMATS.md): upload a file, read its summary, ' +
        'progress and rejects. Money: decimal strings of int64 micros of the named currency. ' +
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
