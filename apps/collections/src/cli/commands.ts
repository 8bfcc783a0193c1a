/**
 * The collections app's commands of the operator CLI (`ratel <command>`, scripts/ratel.ts):
 *
 *   ratel payments import <file> [--name NAME]   a bank statement (camt.053, camt.054, MT940), streamed
 *                                                 from disk with a progress bar; prints the import as JSON
 *   ratel card autopay --date YYYY-MM-DD|today         charges saved cards for open documents due that date (and retries)
 *   ratel card reconcile [--all]                  asks the gateway again about PENDING card payments
 *
 * Exit codes: 0 every entry went in (or was a duplicate or skipped); 3 some entries, or the file,
 * were rejected (listed in the JSON); 1 failure; 2 bad usage or configuration (DATABASE_URL).
 * Declared here; the action loads what it runs when it runs.
 */
import type { Command } from 'commander';

/** Exit code when entries or the file were rejected (the good entries went in). */
export const EXIT_REJECTED = 3;

export interface CollectionsActions {
  /** Imports the file; resolves to the exit code. */
  paymentsImport(request: { file: string; name?: string }): Promise<number>;
  cardAutopay(request: { date: string }): Promise<number>;
  cardReconcile(request: { all: boolean }): Promise<number>;
}

export const collectionsActions: CollectionsActions = {
  paymentsImport: async (request) => (await import('./payments-import')).runPaymentsImport(request),
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
