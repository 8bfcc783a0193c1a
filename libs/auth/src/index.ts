/** @app/auth: API keys and HS256 JWTs, shared by every app's REST API. */
export * from './api-key';
export * from './jwt';
export * from './authenticate';
