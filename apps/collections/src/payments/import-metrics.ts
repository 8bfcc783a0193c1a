/** Metrics of statement imports: entries by result (created, duplicate, skipped, rejected). */
import { Counter, type Registry } from 'prom-client';
import type { ImportSummary } from './import-statement.usecase';

export const STATEMENT_ENTRIES_METRIC = 'ratel_collections_statement_entries_total';

export class ImportMetrics {
  private readonly entries: Counter<'result'>;

  constructor(registry: Registry) {
    this.entries = new Counter({
      name: STATEMENT_ENTRIES_METRIC,
      help: 'Bank statement entries imported, by result',
      labelNames: ['result'],
      registers: [registry],
    });
  }

  record(s: ImportSummary): void {
    this.entries.inc({ result: 'created' }, s.paymentsCreated);
    this.entries.inc({ result: 'duplicate' }, s.duplicates);
    this.entries.inc({ result: 'skipped' }, s.skipped);
    this.entries.inc({ result: 'rejected' }, s.rejected);
  }
}
