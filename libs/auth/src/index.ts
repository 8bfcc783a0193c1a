/** @app/auth: API keys, bearer JWTs (jose), roles, and the role an endpoint needs; shared by every REST API. */
export * from './roles';
export * from './api-key';
export * from './jwt';
export * from './authenticate';
export * from './required-role';
export * from './auth-config';
export * from './route-guard';
