/**
 * The invoicing app's commands of the operator CLI (`ratel <command>`, scripts/ratel.ts):
 *
 *   ratel assurance --from DATE --to DATE [--account ID]
 *
 * Declared here (options, help); each action loads what it runs (NATS, ClickHouse) when it runs.
 */
import type { Command } from 'commander';
import type { RawQuery } from '../api/query-params';

/** Exit code of `assurance` when the report lists differences (0: none, 1: failure, 2: bad usage). */
export const EXIT_DIFFERENCES = 3;

/** What the commands run; a spec replaces them to test the parsing alone. */
export interface InvoicingActions {
  /** The reconciliation with the HTTP query's parameters; resolves to the exit code. */
  assurance(query: RawQuery): Promise<number>;
}

export const invoicingActions: InvoicingActions = {
  assurance: async (query) => (await import('../assurance/run-assurance')).runAssurance(query),
};

export function registerInvoicingCommands(program: Command, actions: InvoicingActions = invoicingActions): void {
  program
    .command('assurance')
    .description(
      'revenue assurance: compare the events published on the rated stream with ClickHouse for a period (by event time); ' +
        'prints the report as JSON, with every difference and the late arrivals',
    )
    .requiredOption('--from <date>', 'start (inclusive): YYYY-MM-DD or ISO 8601 date-time')
    .requiredOption('--to <date>', 'end (exclusive), at most 92 days after --from')
    .option('--account <id>', 'only this billing account (only its subject is read)')
    .addHelpText(
      'after',
      '\nEnvironment: NATS_URL, CLICKHOUSE_URL, CLICKHOUSE_DATABASE, SINK_STREAM, ASSURANCE_* (see apps/invoicing/README.md).' +
        `\nExit codes: 0 no difference, ${EXIT_DIFFERENCES} differences found, 1 failure (NATS/ClickHouse unavailable, a bound exceeded),` +
        ' 2 bad usage or configuration.',
    )
    .action(async (o: { from: string; to: string; account?: string }) => {
      const query: RawQuery = { from: o.from, to: o.to, ...(o.account === undefined ? {} : { accountId: o.account }) };
      const code = await actions.assurance(query);
      if (code !== 0) process.exitCode = code;
    });
}
