/**
 * Revenue assurance from the command line: the same reconciliation as GET /v1/assurance/reconcile,
 * printed as JSON on stdout.
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register apps/invoicing/src/assurance/cli.ts \
 *     --from 2026-11-01 --to 2026-12-01 [--account acc-1]
 *
 * Configuration from the environment (NATS_URL, CLICKHOUSE_URL, CLICKHOUSE_DATABASE, ASSURANCE_*;
 * see src/config.ts). Exit codes: 0 no difference, 3 differences found, 2 bad arguments or
 * configuration, 1 NATS/ClickHouse unavailable, a bound exceeded, or any other failure.
 */
import { parseArgs } from 'node:util';
import { createClickhouseClient } from '@app/analytics';
import { ConfigError } from '@app/config';
import { connect } from 'nats';
import { InvoicingError, InvoicingErrorCode } from '../api/invoicing-error';
import { loadInvoicingConfig } from '../config';
import { createReconcileUseCase } from './assurance.module';
import { reconcileCommand, ReconcileCommand } from './reconcile-command';

export const EXIT_CLEAN = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_DIFFERENCES = 3;
/** Longest wait for the first NATS connection. */
const NATS_CONNECT_TIMEOUT_MS = 10_000;

const USAGE = 'usage: cli.ts --from <YYYY-MM-DD|ISO date-time> --to <...> [--account <accountId>]';

function commandFromArgv(argv: string[]): ReconcileCommand {
  const { values } = parseArgs({
    args: argv,
    options: { from: { type: 'string' }, to: { type: 'string' }, account: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  const query: Record<string, string> = {};
  if (values.from !== undefined) query.from = values.from;
  if (values.to !== undefined) query.to = values.to;
  if (values.account !== undefined) query.accountId = values.account;
  return reconcileCommand(query);
}

async function run(argv: string[]): Promise<number> {
  let command: ReconcileCommand;
  let config;
  try {
    command = commandFromArgv(argv);
    config = loadInvoicingConfig(process.env); // no API runs here: no credentials needed
  } catch (err) {
    if (err instanceof ConfigError || err instanceof InvoicingError || (err instanceof TypeError && 'code' in err)) {
      process.stderr.write(`ratel assurance: ${err.message}\n${USAGE}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
  const nc = await connect({ servers: config.NATS_URL, name: 'ratel-assurance-cli', timeout: NATS_CONNECT_TIMEOUT_MS });
  const client = createClickhouseClient({ url: config.CLICKHOUSE_URL });
  try {
    const report = await createReconcileUseCase(config, nc, client).execute(command);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return report.clean ? EXIT_CLEAN : EXIT_DIFFERENCES;
  } catch (err) {
    if (!(err instanceof InvoicingError)) throw err;
    const cause = err.code === InvoicingErrorCode.UNAVAILABLE && err.cause !== undefined ? ` (${String(err.cause)})` : '';
    process.stderr.write(`ratel assurance: ${err.code}: ${err.message}${cause}\n`);
    return err.code === InvoicingErrorCode.INVALID_ARGUMENT ? EXIT_USAGE : EXIT_FAILED;
  } finally {
    await nc.close();
    await client.close();
  }
}

if (require.main === module) {
  run(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`ratel assurance: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(EXIT_FAILED);
    },
  );
}
