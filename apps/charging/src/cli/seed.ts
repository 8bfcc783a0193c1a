/**
 * `ratel seed`: the demo data and/or N load-test subscribers in PostgreSQL and the balance
 * engine. Idempotent: a rerun creates only what is missing and re-projects what it seeded.
 * Bulk seeding shows its progress on stderr (a bar on a terminal, lines otherwise).
 */
import { startProgress } from '@app/runtime/progress';
import { loadCliConfig } from './cli-config';
import { openCliContext } from './cli-context';
import type { SeedPlan } from './commands';
import { seedBulk } from './seed-bulk';
import { seedCatalog, seedDemo } from './seed-demo';

export async function runSeed(plan: SeedPlan): Promise<void> {
  const config = loadCliConfig();
  const ctx = await openCliContext(config, 'seed');
  try {
    if (plan.demo) process.stdout.write(`seed: demo ${JSON.stringify(await seedDemo(ctx))}\n`);
    if (plan.bulk) {
      if (!plan.demo) await seedCatalog(ctx);
      const started = Date.now();
      const progress = startProgress({ label: 'seed', total: plan.bulk.count, unit: 'subscribers' });
      let created;
      try {
        created = await seedBulk(ctx, config.DATABASE_URL, plan.bulk, (done) => progress.update(done));
      } finally {
        progress.stop();
      }
      const ms = Date.now() - started;
      process.stdout.write(`seed: ${plan.bulk.count} load-test subscribers (${created.accountsCreated} new) in ${ms} ms\n`);
    }
  } finally {
    await ctx.close();
  }
}
