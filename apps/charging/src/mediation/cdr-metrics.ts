/**
 * Prometheus metrics of CDR mediation, on the host's registry (label `app` comes from it).
 *
 * | metric | type | labels |
 * |---|---|---|
 * | ratel_cdr_files_total | counter | format, status (DONE, FAILED, DUPLICATE) |
 * | ratel_cdr_records_rated_total | counter | format |
 * | ratel_cdr_records_rejected_total | counter | format, reason_code (DUPLICATE not included) |
 * | ratel_cdr_records_duplicate_total | counter | format: records already rated from another file within the window |
 * | ratel_cdr_events_published_total | counter | result (stored, duplicate) |
 * | ratel_cdr_file_records_processed | gauge | file_id, format: records done so far, files in progress only |
 * | ratel_cdr_file_lines | gauge | file_id, format: lines of the file (header included), files in progress only |
 * | ratel_cdr_files_in_progress | gauge | |
 */
import { Counter, Gauge, Registry } from 'prom-client';

export const CDR_METRICS = Symbol('CDR_METRICS');

export interface CdrMetrics {
  files: Counter<'format' | 'status'>;
  recordsRated: Counter<'format'>;
  recordsRejected: Counter<'format' | 'reason_code'>;
  recordsDuplicate: Counter<'format'>;
  eventsPublished: Counter<'result'>;
  fileRecordsProcessed: Gauge<'file_id' | 'format'>;
  fileLines: Gauge<'file_id' | 'format'>;
  filesInProgress: Gauge;
}

/** The metric of that name on the registry, or a new one: two modules on one registry share them. */
function metric<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function createCdrMetrics(registry: Registry): CdrMetrics {
  const registers = [registry];
  return {
    files: metric(
      registry,
      'ratel_cdr_files_total',
      () =>
        new Counter({
          name: 'ratel_cdr_files_total',
          help: 'CDR files finished, by format and status (DONE, FAILED, DUPLICATE)',
          labelNames: ['format', 'status'],
          registers,
        }),
    ),
    recordsRated: metric(
      registry,
      'ratel_cdr_records_rated_total',
      () =>
        new Counter({ name: 'ratel_cdr_records_rated_total', help: 'CDR records rated and published', labelNames: ['format'], registers }),
    ),
    recordsRejected: metric(
      registry,
      'ratel_cdr_records_rejected_total',
      () =>
        new Counter({
          name: 'ratel_cdr_records_rejected_total',
          help: 'CDR records rejected, by reason code',
          labelNames: ['format', 'reason_code'],
          registers,
        }),
    ),
    recordsDuplicate: metric(
      registry,
      'ratel_cdr_records_duplicate_total',
      () =>
        new Counter({
          name: 'ratel_cdr_records_duplicate_total',
          help: 'CDR records not rated: the same record was rated from another file within RATEL_CDR_DEDUP_WINDOW_MS',
          labelNames: ['format'],
          registers,
        }),
    ),
    eventsPublished: metric(
      registry,
      'ratel_cdr_events_published_total',
      () =>
        new Counter({
          name: 'ratel_cdr_events_published_total',
          help: 'Rated CDR events published: stored, or dropped by JetStream as duplicates',
          labelNames: ['result'],
          registers,
        }),
    ),
    fileRecordsProcessed: metric(
      registry,
      'ratel_cdr_file_records_processed',
      () =>
        new Gauge({
          name: 'ratel_cdr_file_records_processed',
          help: 'Records of a file in progress done so far',
          labelNames: ['file_id', 'format'],
          registers,
        }),
    ),
    fileLines: metric(
      registry,
      'ratel_cdr_file_lines',
      () =>
        new Gauge({
          name: 'ratel_cdr_file_lines',
          help: 'Lines of a file in progress (header included)',
          labelNames: ['file_id', 'format'],
          registers,
        }),
    ),
    filesInProgress: metric(
      registry,
      'ratel_cdr_files_in_progress',
      () => new Gauge({ name: 'ratel_cdr_files_in_progress', help: 'CDR files being ingested now', registers }),
    ),
  };
}
