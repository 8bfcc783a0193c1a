/**
 * Applies pending PostgreSQL migrations (libs/db/src/migrations) to DATABASE_URL.
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register apps/charging/src/cli/migrate.ts
 */
import { z } from 'zod';
import { loadConfig } from '@app/config';
import { migrate } from '@app/db';
import { parseArgs, runCli } from './cli-support';

const USAGE = 'migrate.ts   (reads DATABASE_URL)';

runCli('migrate', USAGE, async () => {
  parseArgs(process.argv.slice(2), {});
  const { DATABASE_URL } = loadConfig(z.object({ DATABASE_URL: z.string().url() }));
  const { applied } = await migrate(DATABASE_URL);
  process.stdout.write(applied.length === 0 ? 'migrate: schema is up to date\n' : `migrate: applied ${applied.join(', ')}\n`);
});
