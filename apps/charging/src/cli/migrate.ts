/** `ratel migrate`: applies the pending PostgreSQL migrations (libs/db/src/migrations) to DATABASE_URL. */
import { z } from 'zod';
import { loadConfig } from '@app/config';
import { migrate } from '@app/db';

export async function runMigrate(): Promise<void> {
  const { DATABASE_URL } = loadConfig(z.object({ DATABASE_URL: z.string().url() }));
  const { applied } = await migrate(DATABASE_URL);
  process.stdout.write(applied.length === 0 ? 'migrate: schema is up to date\n' : `migrate: applied ${applied.join(', ')}\n`);
}
