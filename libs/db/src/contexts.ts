/**
 * The bounded contexts of the one Ratel database: each owns its tables (entities, or SQL-only tables)
 * and is written by the app(s) named here. eslint.config.mjs enforces the writers at import level;
 * db-schema.integration-spec.ts checks that every table of the migrated schema has exactly one context.
 */
import { auditEntities } from './audit';
import { billingEntities, billingTables } from './billing';
import { catalogEntities } from './catalog';
import { collectionsEntities, collectionsTables } from './collections';
import { coreEntities } from './core';
import { journalEntities, journalTables } from './journal';
import { ledgerEntities, ledgerTables } from './ledger';
import { provisioningEntities } from './provisioning';

export type AppName = 'charging' | 'invoicing' | 'collections';

export interface DbContext {
  /** The apps that may write it (import its entities or write its tables). */
  writers: readonly AppName[];
  entities: readonly (abstract new (...args: never[]) => object)[];
  /** Tables created and written with SQL only (no entity). */
  sqlTables: readonly string[];
}

export const DB_CONTEXTS = {
  core: { writers: ['charging'], entities: coreEntities, sqlTables: [] },
  catalog: { writers: ['charging'], entities: catalogEntities, sqlTables: ['charge_allowance'] },
  provisioning: { writers: ['charging'], entities: provisioningEntities, sqlTables: ['projection_failure', 'subscription_renewal'] },
  journal: { writers: ['charging'], entities: journalEntities, sqlTables: journalTables },
  billing: { writers: ['invoicing'], entities: billingEntities, sqlTables: billingTables },
  collections: { writers: ['collections'], entities: collectionsEntities, sqlTables: collectionsTables },
  ledger: { writers: ['invoicing', 'collections'], entities: ledgerEntities, sqlTables: ledgerTables },
  audit: { writers: ['charging', 'invoicing', 'collections'], entities: auditEntities, sqlTables: [] },
} as const satisfies Record<string, DbContext>;

export type DbContextName = keyof typeof DB_CONTEXTS;

/** Every entity of every context: the one MikroORM configuration registers these. */
export const allEntities = [
  ...coreEntities,
  ...catalogEntities,
  ...provisioningEntities,
  ...journalEntities,
  ...billingEntities,
  ...collectionsEntities,
  ...ledgerEntities,
  ...auditEntities,
];

/** @deprecated the former name of `allEntities`, kept so existing importers compile. */
export const ENTITIES = allEntities;
