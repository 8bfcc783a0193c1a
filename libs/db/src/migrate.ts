/** Applies pending migrations; used by the `migrate` CLI and by tests. */
import { MikroORM } from '@mikro-orm/postgresql';
import { createOrmConfig } from './orm-config';

export interface MigrateResult {
  /** Names of the migrations applied by this call (empty when the schema was current). */
  applied: string[];
}

export async function migrate(databaseUrl: string): Promise<MigrateResult> {
  const orm = await MikroORM.init(createOrmConfig(databaseUrl));
  try {
    const applied = await orm.getMigrator().up();
    return { applied: applied.map((m) => m.name) };
  } finally {
    await orm.close(true);
  }
}
