/**
 * The alert rules and the Grafana dashboard in k8s/monitoring/ are checked like code: promtool
 * accepts the rules, and every metric they use is one the apps export (a metric renamed in the code
 * would otherwise leave an alert that can never fire). The exported set is read from the sources:
 * every `'ratel_...'` string literal of apps/ and libs/ outside specs (prom-client metric names,
 * also those held in constants), plus Prometheus' own `up`.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(__dirname, '..', '..', '..');
const RULES = join(ROOT, 'k8s', 'monitoring', 'ratel-alerts.rules.yml');
const DASHBOARD = join(ROOT, 'k8s', 'monitoring', 'ratel-dashboard.json');
/** Series suffixes prom-client adds to histograms and summaries. */
const SERIES_SUFFIXES = ['_bucket', '_sum', '_count'];
/** Series every Prometheus has without the apps. */
const BUILT_IN_SERIES = new Set(['up']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'generated' ? [] : sourceFiles(path);
    return /\.ts$/.test(e.name) && !/\.(spec|integration-spec|e2e-spec)\.ts$/.test(e.name) && !path.includes('/test/') ? [path] : [];
  });
}

/** Metric names the apps define. */
export function exportedMetrics(): Set<string> {
  const names = new Set(BUILT_IN_SERIES);
  for (const file of [...sourceFiles(join(ROOT, 'apps')), ...sourceFiles(join(ROOT, 'libs'))]) {
    for (const m of readFileSync(file, 'utf8').matchAll(/['"`](ratel_[a-z0-9_]+)['"`]/g)) names.add(m[1]);
  }
  return names;
}

/** Metric names a PromQL expression reads: identifiers followed by `{`, `[`, a space or the end, not labels or functions. */
export function metricsIn(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const withoutLabels = withoutStrings
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const found = new Set<string>();
  for (const m of withoutLabels.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)) {
    const name = m[1];
    if (name.startsWith('ratel_') || BUILT_IN_SERIES.has(name)) found.add(name);
  }
  return [...found];
}

/** The names of `used` that no app exports (a histogram's series count as its name). */
export function unknownMetrics(used: readonly string[], exported: ReadonlySet<string>): string[] {
  const base = (n: string) =>
    SERIES_SUFFIXES.reduce((acc, s) => (acc.endsWith(s) && exported.has(acc.slice(0, -s.length)) ? acc.slice(0, -s.length) : acc), n);
  return used.filter((n) => !exported.has(n) && !exported.has(base(n)));
}

interface Rule {
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const rules = (parse(readFileSync(RULES, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
interface Panel {
  title: string;
  datasource?: unknown;
  targets?: { expr: string }[];
}
const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] };
const exported = exportedMetrics();

describe('k8s/monitoring', () => {
  it('promtool accepts the alert rules', () => {
    const out = execFileSync('promtool', ['check', 'rules', RULES], { encoding: 'utf8' });
    expect(out).toContain('SUCCESS');
  });

  it('every alert has a severity, a summary, a description and a `for`', () => {
    for (const r of rules) {
      expect({ alert: r.alert, ok: !!(r.labels?.severity && r.annotations?.summary && r.annotations?.description && r.for) }).toEqual({
        alert: r.alert,
        ok: true,
      });
    }
  });

  it('every metric the alert rules use is exported by the apps', () => {
    expect(rules.flatMap((r) => unknownMetrics(metricsIn(r.expr), exported).map((m) => `${r.alert}: ${m}`))).toEqual([]);
  });

  it('every dashboard panel has a datasource and targets, and reads only exported metrics', () => {
    for (const p of dashboard.panels) {
      expect({ panel: p.title, datasource: !!p.datasource, targets: (p.targets ?? []).length > 0 }).toEqual({
        panel: p.title,
        datasource: true,
        targets: true,
      });
    }
    const used = dashboard.panels.flatMap((p) => (p.targets ?? []).flatMap((t) => metricsIn(t.expr)));
    expect(unknownMetrics(used, exported)).toEqual([]);
  });

  it('covers charging, outbox, journal, sink (a hung ClickHouse too), CDR rejects, REST, collections and invoicing', () => {
    const all = rules.map((r) => r.expr).join('\n');
    for (const m of [
      'ratel_grpc_requests_total',
      'ratel_script_duration_seconds_bucket',
      'ratel_outbox_oldest_age_seconds',
      'ratel_journal_lag_events',
      'ratel_journal_parked_total',
      'ratel_sink_consumer_oldest_pending_age_seconds',
      'ratel_sink_dead_letters_total',
      'ratel_cdr_records_rejected_total',
      'ratel_http_request_duration_seconds_count',
      'ratel_collections_outbox_oldest_age_seconds',
      'ratel_collections_after_payment_failures_total',
      'ratel_collections_statement_entries_total',
      'ratel_collections_card_gateway_errors_total',
      'ratel_billing_outbox_oldest_age_seconds',
      'ratel_delivery_attempts_total',
    ]) {
      expect({ m, used: all.includes(m) }).toEqual({ m, used: true });
    }
  });

  it('the checker itself: finds the metrics of an expression and names an unknown one', () => {
    expect(metricsIn('sum by (result) (rate(ratel_grpc_requests_total{result=~"ratel_fake"}[5m])) > 0').sort()).toEqual([
      'ratel_grpc_requests_total',
    ]);
    expect(metricsIn('histogram_quantile(0.99, sum by (le) (rate(ratel_grpc_request_duration_seconds_bucket[5m])))')).toEqual([
      'ratel_grpc_request_duration_seconds_bucket',
    ]);
    expect(unknownMetrics(['ratel_grpc_request_duration_seconds_bucket', 'ratel_no_such_metric_total', 'up'], exported)).toEqual([
      'ratel_no_such_metric_total',
    ]);
  });
});
