/**
 * Every migration, in order. Listed explicitly (not found by a glob) so they run the same from
 * ts-node, ts-jest and compiled JavaScript. Append new ones; never edit an applied one.
 */
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20260101000000_initial } from './Migration20260101000000_initial';

export const MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20260101000000_initial', class: Migration20260101000000_initial },
];
