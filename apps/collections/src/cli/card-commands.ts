/**
 * `ratel card autopay --date YYYY-MM-DD` and `ratel card reconcile`: the card worker's runs, one
 * process each (a cron job or a Kubernetes CronJob). Both print a JSON summary on stdout. Idempotent:
 * autopay makes one card payment per (document, attempt) and a rerun, after a crash too, only resumes
 * what is PENDING with the same gateway idempotency key.
 */
import { Pool } from 'pg';
import { ConfigError, loadConfig } from '@app/config';
import pino from 'pino';
import { createRegistry, systemClock } from '@app/observability';
import { CARD_RECONCILE_BATCH_MAX, CardFeature } from '../card/card-feature';
import { assertPairs, collectionsConfigSchema } from '../config';

const cliSchema = collectionsConfigSchema.pick({
  DATABASE_URL: true,
  CARD_GATEWAY_URL: true,
  CARD_GATEWAY_API_KEY: true,
  CARD_GATEWAY_TIMEOUT_MS: true,
  CARD_WEBHOOK_SECRET: true,
  CARD_RECONCILE_MIN_AGE_MS: true,
  CHARGING_API_URL: true,
  CHARGING_API_KEY: true,
  CHARGING_API_TIMEOUT_MS: true,
});

/** Logs go to stderr: stdout is the JSON summary. */
function stderrLogger() {
  return pino(
    { name: 'collections-card', level: process.env.RATEL_LOG_LEVEL ?? 'info', base: { app: 'collections-card' } },
    pino.destination(2),
  );
}

async function withCard<T>(run: (card: CardFeature, minAgeMs: number) => Promise<T>): Promise<T> {
  const c = loadConfig(cliSchema);
  assertPairs(c as Parameters<typeof assertPairs>[0]);
  if (c.CARD_GATEWAY_URL === undefined) throw new ConfigError('invalid configuration: CARD_GATEWAY_URL: required by the card commands');
  const pool = new Pool({ connectionString: c.DATABASE_URL, max: 2 });
  try {
    const card = new CardFeature({
      pool,
      clock: systemClock,
      logger: stderrLogger(),
      registry: createRegistry('collections-card'),
      config: c,
    });
    return await run(card, c.CARD_RECONCILE_MIN_AGE_MS);
  } finally {
    await pool.end();
  }
}

export async function runCardAutopay(request: { date: string }): Promise<number> {
  // `today`: the UTC date of the run (what the CronJob passes).
  const date = request.date === 'today' ? new Date(systemClock.nowMs()).toISOString().slice(0, 10) : request.date;
  const summary = await withCard((card) => card.autopay.execute({ date }));
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  return 0;
}

export async function runCardReconcile(request: { all: boolean }): Promise<number> {
  const summary = await withCard((card, minAgeMs) =>
    card.reconcile.execute({ minAgeMs: request.all ? 0 : minAgeMs, limit: CARD_RECONCILE_BATCH_MAX }),
  );
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  return 0;
}
