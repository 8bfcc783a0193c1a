/**
 * The OpenAPI document of the provisioning API at /openapi.json and a Swagger UI at /docs. The UI's
 * assets are served from swagger-ui-dist (a dependency of @nestjs/swagger) by three fixed routes:
 * `SwaggerModule`'s own UI needs @fastify/static, which this project does not install.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { API_KEY_HEADER } from './auth/auth.guard';
import { OPENAPI_API_KEY_SCHEME, OPENAPI_JWT_SCHEME } from './shared/provisioning-controller';

export const OPENAPI_JSON_PATH = '/openapi.json';
export const DOCS_PATH = '/docs';
/** The only files of swagger-ui-dist served, with their content types. */
const UI_ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
};

export function buildOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Ratel provisioning API')
    .setDescription(
      'Customers, billing accounts, catalog, subscriptions, allowances and top-ups. PostgreSQL is the system of record; every write is then projected ' +
        'into the balance engine (Redis). Money: requests send decimal strings in currency units ("12.50"); responses give {micros, formatted}. ' +
        'Authenticate every request with an API key (x-api-key) or an HS256 bearer JWT.',
    )
    .setVersion('1')
    .addApiKey({ type: 'apiKey', in: 'header', name: API_KEY_HEADER }, OPENAPI_API_KEY_SCHEME)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, OPENAPI_JWT_SCHEME)
    .build();
  return SwaggerModule.createDocument(app, config);
}

function swaggerUiDir(): string {
  return dirname(require.resolve('swagger-ui-dist/package.json', { paths: [dirname(require.resolve('@nestjs/swagger'))] }));
}

function docsHtml(): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Ratel provisioning API</title>
<link rel="stylesheet" href="${DOCS_PATH}/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="${DOCS_PATH}/swagger-ui-bundle.js"></script>
<script src="${DOCS_PATH}/swagger-ui-standalone-preset.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '${OPENAPI_JSON_PATH}', dom_id: '#ui', presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout' });</script>
</body></html>`;
}

/** Serves the document and the UI; call after the app is created and before it listens. */
export function setupOpenApi(app: NestFastifyApplication): OpenAPIObject {
  const document = buildOpenApiDocument(app);
  const json = JSON.stringify(document);
  const fastify = app.getHttpAdapter().getInstance();
  const dir = swaggerUiDir();
  const assets = new Map(Object.entries(UI_ASSETS).map(([file, type]) => [file, { type, body: readFileSync(join(dir, file)) }]));
  const html = docsHtml();
  fastify.get(OPENAPI_JSON_PATH, (_req, reply) => reply.type('application/json; charset=utf-8').send(json));
  fastify.get(DOCS_PATH, (_req, reply) => reply.type('text/html; charset=utf-8').send(html));
  for (const [file, asset] of assets) {
    fastify.get(`${DOCS_PATH}/${file}`, (_req, reply) => reply.type(asset.type).send(asset.body));
  }
  return document;
}
