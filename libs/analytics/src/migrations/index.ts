/**
 * ClickHouse schema migrations, in order. One DDL statement each (ClickHouse DDL is not
 * transactional: a single statement is applied or not), written to be re-runnable
 * (`IF NOT EXISTS`), and never edited once released: a change is a new version. They are
 * TypeScript modules rather than .sql files so that tsc, ts-node and jest all ship them without
 * an asset-copy step.
 */
import m0001 from './0001_rated_events';
import m0002 from './0002_rated_dead_letters';
import m0003 from './0003_cdr_files';
import m0004 from './0004_cdr_rejects';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [m0001, m0002, m0003, m0004];
