/**
 * The one MikroORM configuration of the Ratel PostgreSQL database, with the entities of every context
 * (contexts.ts `allEntities`). Entities are listed explicitly and
 * every property names its type, so nothing depends on reflect-metadata type inference.
 */
import { defineConfig, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { allEntities } from './contexts';
import { MIGRATIONS } from './migrations';

/** Connections per process; provisioning traffic is light, the bulk seed uses one at a time. */
export const DB_POOL_SIZE_MAX = 10;
/** How long a connection attempt may take. */
export const DB_CONNECT_TIMEOUT_MS = 5_000;
/** Statements running longer than this are cancelled by the server. */
export const DB_STATEMENT_TIMEOUT_MS = 30_000;
/** Table that records applied migrations. */
export const MIGRATIONS_TABLE = 'mikro_orm_migrations';

export function createOrmConfig(databaseUrl: string, overrides: Partial<Options> = {}): Options {
  return defineConfig({
    clientUrl: databaseUrl,
    entities: allEntities,
    discovery: { warnWhenNoEntities: true },
    // The metadata is small; a file cache in the working directory would only go stale.
    metadataCache: { enabled: false },
    extensions: [Migrator],
    migrations: {
      tableName: MIGRATIONS_TABLE,
      migrationsList: MIGRATIONS,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
    pool: { min: 0, max: DB_POOL_SIZE_MAX },
    driverOptions: {
      connection: { connectionTimeoutMillis: DB_CONNECT_TIMEOUT_MS, statement_timeout: DB_STATEMENT_TIMEOUT_MS },
    },
    allowGlobalContext: false,
    forceUtcTimezone: true,
    debug: false,
    ...overrides,
  });
}
