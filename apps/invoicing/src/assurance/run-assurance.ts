/**
 * `ratel assurance`: the same reconciliation as GET /v1/assurance/reconcile, printed as JSON on
 * stdout (on a terminal, the stream scan's progress on stderr). Configuration from the environment (NATS_URL, CLICKHOUSE_URL, CLICKHOUSE_DATABASE,
 * ASSURANCE_*; see ../config.ts). Resolves to the exit code: 0 no difference, 3 differences found;
 * throws UsageError (exit 2) on bad arguments, an Error (exit 1) when NATS or ClickHouse is
 * unavailable or a bound is exceeded.
 */
import { createClickhouseClient } from '@app/analytics';
import { UsageError } from '@app/runtime/cli';
import { startProgress } from '@app/runtime/progress';
import { createNatsConnection } from '@app/runtime';
import type { RawQuery } from '../api/query-params';
import { InvoicingError, InvoicingErrorCode } from '../api/invoicing-error';
import { EXIT_DIFFERENCES } from '../cli/commands';
import { loadInvoicingConfig } from '../config';
import { createReconcileUseCase } from './assurance.module';
import { reconcileCommand, type ReconcileCommand } from './reconcile-command';

function commandOf(query: RawQuery): ReconcileCommand {
  try {
    return reconcileCommand(query);
  } catch (err) {
    if (err instanceof InvoicingError) throw new UsageError(err.message);
    throw err;
  }
}

export async function runAssurance(query: RawQuery): Promise<number> {
  const command = commandOf(query);
  const config = loadInvoicingConfig(process.env); // no API runs here: no credentials needed
  const nc = await createNatsConnection(config.NATS_URL, 'ratel-assurance-cli');
  const client = createClickhouseClient({ url: config.CLICKHOUSE_URL });
  try {
    // On a terminal, the stream scan's progress (a scan reads from the period start to the stream's end).
    const progress = process.stderr.isTTY ? startProgress({ label: 'assurance scan', unit: 'messages' }) : undefined;
    const onScan = (read: number, toRead: number) => (progress?.setTotal(toRead), progress?.update(read));
    let report;
    try {
      report = await createReconcileUseCase(config, nc, client).execute(command, progress && onScan);
    } finally {
      progress?.stop();
    }
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return report.clean ? 0 : EXIT_DIFFERENCES;
  } catch (err) {
    if (!(err instanceof InvoicingError)) throw err;
    const cause = err.code === InvoicingErrorCode.UNAVAILABLE && err.cause !== undefined ? ` (${String(err.cause)})` : '';
    throw err.code === InvoicingErrorCode.INVALID_ARGUMENT ? new UsageError(err.message) : new Error(`${err.code}: ${err.message}${cause}`);
  } finally {
    await nc.close();
    await client.close();
  }
}
