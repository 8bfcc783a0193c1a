/**
 * The OpenAPI document of a REST app, built from its Nest controllers (@nestjs/swagger) with the
 * two security schemes every Ratel API accepts (an API key header, a bearer JWT), and served as JSON
 * at /openapi.json. Call after the app is created and before it listens.
 */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

export const OPENAPI_JSON_PATH = '/openapi.json';
export const OPENAPI_API_KEY_SCHEME = 'apiKey';
export const OPENAPI_JWT_SCHEME = 'jwt';

export function serveOpenApi(app: NestFastifyApplication, p: { title: string; description: string; apiKeyHeader: string }): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle(p.title)
    .setDescription(p.description)
    .setVersion('1')
    .addApiKey({ type: 'apiKey', in: 'header', name: p.apiKeyHeader }, OPENAPI_API_KEY_SCHEME)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, OPENAPI_JWT_SCHEME)
    .build();
  const document = SwaggerModule.createDocument(app, config);
  const json = JSON.stringify(document);
  app
    .getHttpAdapter()
    .getInstance()
    .get(OPENAPI_JSON_PATH, (_req, reply) => reply.type('application/json; charset=utf-8').send(json));
  return document;
}
