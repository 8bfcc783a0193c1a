/** @app/runtime/http: what every REST API shares (error format and filter, JSON body parsing, request metrics, ops routes, OpenAPI). */
export * from './rest-errors';
export * from './rest-error-filter';
export * from './request-metrics';
export * from './rest-app';
export * from './ops-routes';
export * from './openapi';
