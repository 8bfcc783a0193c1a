/**
 * `ratel direct-debit run --date D [--out FILE]`, `ratel direct-debit settle --date D`,
 * `ratel direct-debit returns <file>`: SEPA direct debit from the operator CLI (direct-debit/direct-debit.ts),
 * configured like the collections process (DATABASE_URL, DD_CREDITOR_*). JSON on stdout, progress on stderr.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Pool } from 'pg';
import { loadConfig } from '@app/config';
import { systemClock } from '@app/observability';
import { UsageError } from '@app/runtime/cli';
import { creditorOf, dunningAfterPayment, dunningAfterPayments, dunningOf } from '../api/collections.module';
import { collectionsConfigSchema } from '../config';
import { DirectDebit } from '../direct-debit/direct-debit';
import { PaymentApplier } from '../matching/apply-payment';
import { CollectionsError } from '../payments/collections-error';
import { XmlSyntaxError } from '../payments/statements/xml-stream';
import { stderrAfterPaymentFailures } from '../dunning/after-payment-failures';
import { EXIT_REJECTED } from './commands';

async function withDirectDebit<T>(f: (dd: DirectDebit) => Promise<T>): Promise<T> {
  const config = loadConfig(collectionsConfigSchema);
  const pool = new Pool({ connectionString: config.DATABASE_URL, max: 2 });
  try {
    // As in the process: a settled debit and a return left to dunning both re-evaluate the account's dunning.
    const dunning = dunningOf(pool, config);
    const failures = stderrAfterPaymentFailures('direct-debit');
    return await f(
      new DirectDebit(
        pool,
        creditorOf(config),
        new PaymentApplier(pool, dunningAfterPayments(dunning, systemClock, failures)),
        dunningAfterPayment(dunning, systemClock, failures),
      ),
    );
  } catch (e) {
    if (e instanceof CollectionsError && e.code === 'INVALID_ARGUMENT') throw new UsageError(e.message);
    throw e;
  } finally {
    await pool.end();
  }
}

export async function runDirectDebit(request: { date: string; out?: string }): Promise<number> {
  return withDirectDebit(async (dd) => {
    process.stderr.write(`direct-debit run ${request.date}: selecting invoices due, building pain.008...\n`);
    const run = await dd.run(request.date, { createdBy: `cli:${process.env.USER ?? 'unknown'}`, nowMs: systemClock.nowMs() });
    const xml = await dd.runFile(request.date);
    if (request.out !== undefined && xml !== null) writeFileSync(request.out, xml);
    process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
    return 0;
  });
}

export async function settleDirectDebit(request: { date: string }): Promise<number> {
  return withDirectDebit(async (dd) => {
    process.stderr.write(`direct-debit settle ${request.date}...\n`);
    const out = await dd.settle(request.date, { nowMs: systemClock.nowMs() });
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return 0;
  });
}

export async function importDirectDebitReturns(request: { file: string }): Promise<number> {
  let xml: string;
  try {
    xml = readFileSync(request.file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${request.file}: ${(e as Error).message}`);
  }
  return withDirectDebit(async (dd) => {
    try {
      const out = await dd.importReturns(xml, { nowMs: systemClock.nowMs() });
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      return out.unknown.length > 0 || out.skipped.length > 0 ? EXIT_REJECTED : 0;
    } catch (e) {
      if (!(e instanceof XmlSyntaxError)) throw e;
      process.stderr.write(`direct-debit returns: ${e.message}\n`);
      return EXIT_REJECTED;
    }
  });
}
