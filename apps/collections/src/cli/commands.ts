/**
 * The collections app's commands of the operator CLI (`ratel <command>`, scripts/ratel.ts):
 *
 *   ratel payments import <file> [--name NAME]   a bank statement (camt.053, camt.054, MT940), streamed
 *                                                 from disk with a progress bar; prints the import as JSON
 *   ratel payments watch --dir D [--once] [--interval-ms N]
 *                                                 imports every file put in the folder D once, moving it to
 *                                                 D/done or D/rejected; one JSON line per file
 *   ratel ledger check [--account ID]             the receivables ledger's invariants; exit 3 when one fails
 *   ratel direct-debit run --date D [--out FILE]  the SEPA collection run of a date and its pain.008
 *   ratel direct-debit settle --date D            the bank collected the run: payments on the documents
 *   ratel direct-debit returns <file>             pain.002 / camt.054 returns; exit 3 for unknown or skipped entries
 *   ratel dunning run [--date D]                  evaluates every overdue account: each due step once (progress bar)
 *   ratel erp export --day D [--format F] [--out FILE]
 *                                                 a day's ledger journal mapped to GL accounts (CSV or JSON);
 *                                                 exit 3 when the day changed since exported or has unmapped accounts
 *   ratel card autopay --date YYYY-MM-DD|today         charges saved cards for open documents due that date (and retries)
 *   ratel card reconcile [--all]                  asks the gateway again about PENDING card payments
 *
 * Exit codes: 0 every entry went in (or was a duplicate or skipped); 3 some entries, or the file,
 * were rejected (listed in the JSON); 1 failure; 2 bad usage or configuration (DATABASE_URL).
 * Declared here; the action loads what it runs when it runs.
 */
import type { Command } from 'commander';
import { UsageError } from '@app/runtime/cli';

/** Time between scans of `payments watch`. */
export const WATCH_INTERVAL_DEFAULT_MS = 10_000;
export const WATCH_INTERVAL_MIN_MS = 100;
export const WATCH_INTERVAL_MAX_MS = 3_600_000;

/** Exit code when entries or the file were rejected (the good entries went in). */
export const EXIT_REJECTED = 3;

export interface CollectionsActions {
  /** Imports the file; resolves to the exit code. */
  paymentsImport(request: { file: string; name?: string }): Promise<number>;
  /** Watches a folder (or scans it once); resolves to the exit code. */
  paymentsWatch(request: { dir: string; once: boolean; intervalMs: number }): Promise<number>;
  /** Checks the ledger; resolves to 0 (clean) or EXIT_REJECTED. */
  ledgerCheck(request: { accountId?: string }): Promise<number>;
  /** Exports a day's journal; resolves to 0 or EXIT_REJECTED. */
  erpExport(request: { day: string; format: string; out?: string }): Promise<number>;
  directDebitRun(request: { date: string; out?: string }): Promise<number>;
  directDebitSettle(request: { date: string }): Promise<number>;
  directDebitReturns(request: { file: string }): Promise<number>;
  dunningRun(request: { date?: string }): Promise<number>;
  cardAutopay(request: { date: string }): Promise<number>;
  cardReconcile(request: { all: boolean }): Promise<number>;
}

export const collectionsActions: CollectionsActions = {
  paymentsImport: async (request) => (await import('./payments-import')).runPaymentsImport(request),
  paymentsWatch: async (request) => (await import('./payments-import')).runPaymentsWatch(request),
  ledgerCheck: async (request) => (await import('./ledger-check')).runLedgerCheck(request),
  erpExport: async (request) => (await import('./erp-export')).runErpExport(request),
  directDebitRun: async (request) => (await import('./direct-debit')).runDirectDebit(request),
  directDebitSettle: async (request) => (await import('./direct-debit')).settleDirectDebit(request),
  directDebitReturns: async (request) => (await import('./direct-debit')).importDirectDebitReturns(request),
  dunningRun: async (request) => (await import('./dunning-run')).runDunning(request),
  cardAutopay: async (request) => (await import('./card-commands')).runCardAutopay(request),
  cardReconcile: async (request) => (await import('./card-commands')).runCardReconcile(request),
};

export function registerCollectionsCommands(program: Command, actions: CollectionsActions = collectionsActions): void {
  const payments = program.command('payments').description('payments in: bank statement files');
  payments
    .command('import')
    .description("imports a bank statement file (camt.053, camt.054 or MT940); each entry once, by the bank's reference")
    .argument('<file>', 'the statement file')
    .option('--name <name>', 'the file name recorded with the import (default: the file name)')
    .addHelpText(
      'after',
      `\nEnvironment: DATABASE_URL.\nExit codes: 0 done, ${EXIT_REJECTED} entries or the file rejected (the good entries went in), 1 failure, 2 bad usage or configuration.`,
    )
    .action(async (file: string, o: { name?: string }) => {
      process.exitCode = await actions.paymentsImport({ file, ...(o.name === undefined ? {} : { name: o.name }) });
    });
  payments
    .command('watch')
    .description('imports every statement file put in a folder once, moving it to done/ or rejected/ with its summary')
    .requiredOption('--dir <dir>', 'the folder (processing/, done/ and rejected/ are made in it)')
    .option('--once', 'scan once and exit (for a cron job), instead of watching until SIGTERM', false)
    .option(
      '--interval-ms <ms>',
      `time between scans, ${WATCH_INTERVAL_MIN_MS} to ${WATCH_INTERVAL_MAX_MS}`,
      String(WATCH_INTERVAL_DEFAULT_MS),
    )
    .addHelpText(
      'after',
      `\nEnvironment: DATABASE_URL.\nExit codes: 0 done, ${EXIT_REJECTED} a file was rejected (--once), 1 failure, 2 bad usage or configuration.`,
    )
    .action(async (o: { dir: string; once: boolean; intervalMs: string }) => {
      const intervalMs = Number(o.intervalMs);
      if (!Number.isInteger(intervalMs) || intervalMs < WATCH_INTERVAL_MIN_MS || intervalMs > WATCH_INTERVAL_MAX_MS)
        throw new UsageError(`--interval-ms must be an integer from ${WATCH_INTERVAL_MIN_MS} to ${WATCH_INTERVAL_MAX_MS}`);
      process.exitCode = await actions.paymentsWatch({ dir: o.dir, once: o.once, intervalMs });
    });
  program
    .command('ledger')
    .description('the receivables ledger')
    .command('check')
    .description(
      'checks the invariants: every transaction sums to zero; per account receivables = open documents - unapplied cash; unapplied cash = unallocated receipts',
    )
    .option('--account <id>', 'only this account')
    .addHelpText(
      'after',
      `\nEnvironment: DATABASE_URL.\nExit codes: 0 clean, ${EXIT_REJECTED} an invariant fails (listed in the JSON), 1 failure, 2 bad usage or configuration.`,
    )
    .action(async (o: { account?: string }) => {
      process.exitCode = await actions.ledgerCheck(o.account === undefined ? {} : { accountId: o.account });
    });
  program
    .command('erp')
    .description('the ERP export')
    .command('export')
    .description("exports a day's ledger journal mapped to GL accounts (ERP_ACCOUNT_MAP); the same bytes each time for a day")
    .requiredOption('--day <YYYY-MM-DD>', 'a day that is over (UTC)')
    .option('--format <format>', 'csv or json', 'csv')
    .option('--out <file>', 'write here instead of stdout')
    .addHelpText(
      'after',
      `\nEnvironment: DATABASE_URL, ERP_ACCOUNT_MAP.\nExit codes: 0 exported, ${EXIT_REJECTED} the day changed since it was exported or uses unmapped accounts, 1 failure, 2 bad usage or configuration.`,
    )
    .action(async (o: { day: string; format: string; out?: string }) => {
      process.exitCode = await actions.erpExport({ day: o.day, format: o.format, ...(o.out === undefined ? {} : { out: o.out }) });
    });
  const dd = program.command('direct-debit').description('SEPA direct debit: collection runs, settlement, returns');
  const env = `\nEnvironment: DATABASE_URL, DD_CREDITOR_NAME, DD_CREDITOR_IBAN, DD_CREDITOR_ID, DD_CREDITOR_BIC.`;
  dd.command('run')
    .description('the collection run of a date (made once; again, the same run): invoices due by then of accounts with an active mandate')
    .requiredOption('--date <YYYY-MM-DD>', 'the requested collection date')
    .option('--out <file>', 'write the pain.008 file here')
    .addHelpText('after', `${env}\nExit codes: 0 done, 1 failure, 2 bad usage or configuration.`)
    .action(async (o: { date: string; out?: string }) => {
      process.exitCode = await actions.directDebitRun({ date: o.date, ...(o.out === undefined ? {} : { out: o.out }) });
    });
  dd.command('settle')
    .description('the bank collected the run: each pending debit becomes a payment on its document (again: nothing more)')
    .requiredOption('--date <YYYY-MM-DD>', 'the collection date of the run')
    .addHelpText('after', `${env}\nExit codes: 0 done, 1 failure, 2 bad usage or configuration.`)
    .action(async (o: { date: string }) => {
      process.exitCode = await actions.directDebitSettle({ date: o.date });
    });
  dd.command('returns')
    .description('a pain.002 or camt.054 file of returns: each once, its payment reversed, its reason code acted on')
    .argument('<file>', 'the returns file')
    .addHelpText(
      'after',
      `${env}\nExit codes: 0 done, ${EXIT_REJECTED} unknown or skipped entries (listed) or not a returns file, 1 failure, 2 bad usage.`,
    )
    .action(async (file: string) => {
      process.exitCode = await actions.directDebitReturns({ file });
    });
  program
    .command('dunning')
    .description('dunning: reminders, warnings, bars, termination, agency handover, write-off')
    .command('run')
    .description("evaluates every overdue account (as the daily run does): each due step of its segment's policy taken once")
    .option('--date <YYYY-MM-DD>', 'the day to evaluate as (default today, UTC)')
    .addHelpText(
      'after',
      '\nEnvironment: DATABASE_URL, CHARGING_API_URL, CHARGING_API_KEY.\nExit codes: 0 done, 1 failure (a bar call that failed: run again), 2 bad usage or configuration.',
    )
    .action(async (o: { date?: string }) => {
      process.exitCode = await actions.dunningRun(o.date === undefined ? {} : { date: o.date });
    });
  const card = program.command('card').description('card payments: auto-pay and reconciliation');
  card
    .command('autopay')
    .description(
      'charges the saved card of each account for its open documents due on the date (retries +1, +3, +7 days); once per document and attempt',
    )
    .requiredOption('--date <date>', 'the run date, YYYY-MM-DD, or today (UTC)')
    .addHelpText(
      'after',
      '\nEnvironment: DATABASE_URL, CARD_GATEWAY_URL, CARD_GATEWAY_API_KEY.\nExit codes: 0 done (summary on stdout), 1 failure, 2 bad usage or configuration.',
    )
    .action(async (o: { date: string }) => {
      process.exitCode = await actions.cardAutopay({ date: o.date });
    });
  card
    .command('reconcile')
    .description('asks the gateway again about PENDING card payments (and retries top-ups charging has not confirmed)')
    .option('--all', 'every waiting one, however recent (default: untouched for CARD_RECONCILE_MIN_AGE_MS)', false)
    .action(async (o: { all: boolean }) => {
      process.exitCode = await actions.cardReconcile({ all: o.all === true });
    });
}
