/** `ratel ledger check [--account ID]`: the receivables ledger's invariants (ledger/ledger-checks.ts), as JSON on stdout. */
import { Pool } from 'pg';
import { z } from 'zod';
import { loadConfig } from '@app/config';
import { systemClock } from '@app/observability';
import { LedgerChecks } from '../ledger/ledger-checks';
import { EXIT_REJECTED } from './commands';

const cliConfigSchema = z.object({ DATABASE_URL: z.string().url() });

export async function runLedgerCheck(request: { accountId?: string }): Promise<number> {
  const { DATABASE_URL } = loadConfig(cliConfigSchema);
  const pool = new Pool({ connectionString: DATABASE_URL, max: 3 });
  try {
    process.stderr.write('ledger check: transactions, receivables per account, unapplied cash per account...\n');
    const report = await new LedgerChecks(pool).run({ ...request, nowMs: systemClock.nowMs() });
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return report.ok ? 0 : EXIT_REJECTED;
  } finally {
    await pool.end();
  }
}
