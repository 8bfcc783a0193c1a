/**
 * @app/db: the one PostgreSQL database, by bounded context (README.md). Each context also has its own
 * entry point, `@app/db/<context>`, which is what its writer app imports; this root keeps exporting
 * every entity so existing importers compile, and the lint rules decide who may import which.
 */
export * from './enums';
export * from './types';
export * from './core';
export * from './catalog';
export * from './provisioning';
export * from './journal';
export * from './billing';
export * from './collections';
export * from './ledger';
export * from './audit';
export * from './contexts';
export * from './migrations';
export * from './orm-config';
export * from './migrate';
export * from './pg-transaction';
export * from './pg-copy';
export * from './pg-statements';
export * from './pg-arrays';
