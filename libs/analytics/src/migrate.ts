/**
 * Applies the ClickHouse schema migrations (./migrations) to one database and records each
 * applied version in `schema_migrations`. Idempotent: a second run applies nothing; a migration
 * whose text changed after it was applied stops the run (migrations are immutable).
 *
 * Two processes migrating at once is safe: every statement is `IF NOT EXISTS`, and a version
 * recorded twice collapses (ReplacingMergeTree by version; reads group by version).
 */
import { createHash } from 'node:crypto';
import { createClickhouseClient } from './clickhouse-client';
import { Migration, MIGRATIONS } from './migrations';
import { formatDateTime, ident, sql } from './sql';

export const MIGRATIONS_TABLE = 'schema_migrations';

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

export interface MigrationResult {
  applied: number[];
  alreadyApplied: number[];
}

export function migrationChecksum(m: Migration): string {
  return createHash('sha256').update(m.sql).digest('hex');
}

/** A broken migration list is a programmer error: versions must run 1, 2, 3... */
function assertMigrationList(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new MigrationError(`migration ${m.name}: version ${m.version}, expected ${i + 1}`);
  });
}

export async function migrateClickhouse(
  url: string,
  database: string,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrationResult> {
  assertMigrationList(migrations);
  const admin = createClickhouseClient({ url });
  try {
    await admin.command({ query: sql`CREATE DATABASE IF NOT EXISTS ${ident(database)}`.text });
  } finally {
    await admin.close();
  }
  const client = createClickhouseClient({ url, database });
  try {
    await client.command({
      query: sql`CREATE TABLE IF NOT EXISTS ${ident(MIGRATIONS_TABLE)}
        (version UInt32, name String, checksum String, appliedAt DateTime('UTC'))
        ENGINE = ReplacingMergeTree() ORDER BY version`.text,
    });
    const rs = await client.query({
      query: sql`SELECT version, any(checksum) AS checksum FROM ${ident(MIGRATIONS_TABLE)} GROUP BY version`.text,
      format: 'JSONEachRow',
    });
    const done = new Map((await rs.json<{ version: number; checksum: string }>()).map((r) => [Number(r.version), r.checksum]));
    const result: MigrationResult = { applied: [], alreadyApplied: [] };
    for (const m of migrations) {
      const checksum = migrationChecksum(m);
      const recorded = done.get(m.version);
      if (recorded !== undefined && recorded !== checksum) {
        throw new MigrationError(
          `migration ${m.version} (${m.name}) changed after it was applied to ${database}; add a new migration instead`,
        );
      }
      if (recorded !== undefined) {
        result.alreadyApplied.push(m.version);
        continue;
      }
      await client.command({ query: m.sql });
      const appliedAt = formatDateTime(Date.now());
      await client.insert({
        table: MIGRATIONS_TABLE,
        format: 'JSONEachRow',
        values: [{ version: m.version, name: m.name, checksum, appliedAt }],
      });
      result.applied.push(m.version);
    }
    return result;
  } finally {
    await client.close();
  }
}

/** Drops a database (test clean-up). */
export async function dropClickhouseDatabase(url: string, database: string): Promise<void> {
  const admin = createClickhouseClient({ url });
  try {
    await admin.command({ query: sql`DROP DATABASE IF EXISTS ${ident(database)}`.text });
  } finally {
    await admin.close();
  }
}
