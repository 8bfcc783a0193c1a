/** `ratel dunning run [--date D]`: evaluates every overdue account (dunning/dunning.ts) with a progress bar; JSON on stdout. */
import { Pool } from 'pg';
import { z } from 'zod';
import { loadConfig } from '@app/config';
import { systemClock } from '@app/observability';
import { UsageError } from '@app/runtime/cli';
import { startProgress } from '@app/runtime/progress';
import { dunningOf } from '../api/collections.module';
import { isCalendarDate } from '../payments/query-params';

const cliConfigSchema = z.object({
  DATABASE_URL: z.string().url(),
  CHARGING_API_URL: z.string().url().optional(),
  CHARGING_API_KEY: z.string().min(1).optional(),
});

export async function runDunning(request: { date?: string }): Promise<number> {
  const c = loadConfig(cliConfigSchema);
  const today = request.date ?? new Date(systemClock.nowMs()).toISOString().slice(0, 10);
  if (!isCalendarDate(today)) throw new UsageError(`--date: ${today} is not a date YYYY-MM-DD`);
  const pool = new Pool({ connectionString: c.DATABASE_URL, max: 2 });
  let progress: ReturnType<typeof startProgress> | undefined;
  try {
    const out = await dunningOf(pool, c).run(today, systemClock.nowMs(), (done, total) => {
      progress ??= startProgress({ label: `dunning ${today}`, total, unit: 'accounts' });
      progress.update(done);
    });
    progress?.stop();
    process.stdout.write(`${JSON.stringify({ date: today, ...out })}\n`);
    return out.failed.length > 0 ? 1 : 0;
  } finally {
    progress?.stop();
    await pool.end();
  }
}
