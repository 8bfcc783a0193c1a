/** `ratel erp export --day D [--format csv|json] [--out FILE]`: a day's ledger journal for the ERP (erp/journal-export.ts). */
import { writeFileSync } from 'node:fs';
import { Pool } from 'pg';
import { z } from 'zod';
import { loadConfig } from '@app/config';
import { systemClock } from '@app/observability';
import { UsageError } from '@app/runtime/cli';
import { accountMap, ERP_FORMATS, type ErpFormat, JournalExporter } from '../erp/journal-export';
import { CollectionsError } from '../payments/collections-error';
import { EXIT_REJECTED } from './commands';

const cliConfigSchema = z.object({ DATABASE_URL: z.string().url(), ERP_ACCOUNT_MAP: z.string().optional() });

export async function runErpExport(request: { day: string; format: string; out?: string }): Promise<number> {
  const { DATABASE_URL, ERP_ACCOUNT_MAP } = loadConfig(cliConfigSchema);
  if (!(ERP_FORMATS as readonly string[]).includes(request.format)) throw new UsageError(`--format: one of ${ERP_FORMATS.join(', ')}`);
  let map: Record<string, string>;
  try {
    map = accountMap(ERP_ACCOUNT_MAP);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const pool = new Pool({ connectionString: DATABASE_URL, max: 2 });
  try {
    process.stderr.write(`erp export: journal of ${request.day}...\n`);
    const out = await new JournalExporter(pool, map).export({
      day: request.day,
      format: request.format as ErpFormat,
      exportedBy: `cli:${process.env.USER ?? 'unknown'}`,
      nowMs: systemClock.nowMs(),
    });
    if (request.out === undefined) process.stdout.write(out.body);
    else writeFileSync(request.out, out.body);
    process.stderr.write(
      `erp export: ${out.day}: ${out.transactions} transactions, ${out.postings} postings, sha256 ${out.sha256}${out.repeated ? ' (exported before: same file)' : ''}\n`,
    );
    return 0;
  } catch (e) {
    if (!(e instanceof CollectionsError)) throw e;
    process.stderr.write(`erp export: ${e.code}: ${e.message}\n`);
    return e.code === 'INVALID_ARGUMENT' ? 2 : EXIT_REJECTED;
  } finally {
    await pool.end();
  }
}
