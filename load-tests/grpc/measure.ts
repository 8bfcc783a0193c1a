/**
 * One measurement of one target, with the CPU picture around it: the target's processes (from
 * /proc), the load generator's own CPU, and the rest of the machine ("others": whatever else ran
 * on the shared box in the same seconds, so a noisy measurement can be recognised as such).
 */
import { Histogram, fmtMs } from '../lib/histogram';
import { CpuMeter } from '../lib/proc';
import { formatSummary, GeneratorOptions, GeneratorSummary, runGenerator } from './generator';
import { formatH2load, H2loadOptions, H2loadSummary, runH2load } from './h2load';
import type { Target } from './targets';
import { formatStreamLoad, runStreamLoad, StreamLoadOptions, StreamLoadSummary } from './stream-load';

export interface Row {
  label: string;
  client: 'generator' | 'h2load' | 'stream';
  throughput: number;
  okShare: number;
  latency: Histogram;
  /** CPU cores used by each metered process of the target, by role. */
  targetCores: Record<string, number>;
  clientCores: number;
  clientUsPerRequest: number;
  machineCores: number;
  machineBusyCores: number;
  otherCores: number;
  detail: string[];
  generator?: GeneratorSummary;
  h2load?: H2loadSummary;
  stream?: StreamLoadSummary;
}

function cpuRow(target: Target, cpu: ReturnType<CpuMeter['stop']>, clientCores: number) {
  const targetCores: Record<string, number> = {};
  for (const [role, pid] of Object.entries(target.pids)) targetCores[role] = cpu.coresByPid.get(pid) ?? 0;
  const ours = Object.values(targetCores).reduce((a, b) => a + b, 0) + clientCores;
  return {
    targetCores,
    machineCores: cpu.machineCores,
    machineBusyCores: cpu.machineBusyCores,
    otherCores: Math.max(0, cpu.machineBusyCores - ours),
  };
}

export async function measureWithGenerator(label: string, target: Target, options: Omit<GeneratorOptions, 'target'>): Promise<Row> {
  const meter = new CpuMeter(Object.values(target.pids));
  let cpu: ReturnType<CpuMeter['stop']> | undefined;
  const s = await runGenerator({ ...options, target: target.address }, { open: () => meter.start(), close: () => (cpu = meter.stop()) });
  if (!cpu) throw new Error('measurement window never closed');
  return {
    label,
    client: 'generator',
    throughput: s.throughput,
    okShare: s.okShare,
    latency: s.latency,
    clientCores: s.cpuCores,
    clientUsPerRequest: s.cpuUsPerRequest,
    ...cpuRow(target, cpu, s.cpuCores),
    detail: formatSummary(s, `${label}, generator ${s.options.scenario}`),
    generator: s,
  };
}

/** Runs `work`, metering the target's processes over [warmupMs, warmupMs + durationMs] from now. */
async function metered<T>(target: Target, warmupMs: number, durationMs: number, work: Promise<T>) {
  const meter = new CpuMeter(Object.values(target.pids));
  let cpu: ReturnType<CpuMeter['stop']> | undefined;
  const open = setTimeout(() => meter.start(), warmupMs);
  const close = setTimeout(() => (cpu = meter.stop()), warmupMs + durationMs);
  const result = await work;
  clearTimeout(open);
  clearTimeout(close);
  return { result, cpu: cpu ?? meter.stop() };
}

export async function measureWithH2load(label: string, target: Target, options: Omit<H2loadOptions, 'target'>): Promise<Row> {
  const { result: s, cpu } = await metered(target, options.warmupMs, options.durationMs, runH2load({ ...options, target: target.address }));
  return {
    label,
    client: 'h2load',
    // (charging.v1's ChargeBatch / ChargeStream: items per second, as the generator's batched rows)
    throughput: options.call ? s.throughput * (options.batch ?? 1) : s.throughput,
    okShare: s.completed === 0 ? 0 : s.succeeded / s.completed,
    latency: s.latency,
    clientCores: s.cpuCores,
    clientUsPerRequest: s.cpuUsPerRequest,
    ...cpuRow(target, cpu, s.cpuCores),
    detail: formatH2load(s, options.call ? `${label}, h2load (row: items/s and server µs per item)` : `${label}, h2load echo-ceiling`),
    h2load: s,
  };
}

/** ChargeStream load (./stream-load.ts, in this process); throughput is items per second. */
export async function measureWithStream(label: string, target: Target, options: Omit<StreamLoadOptions, 'target'>): Promise<Row> {
  const { result: s, cpu } = await metered(
    target,
    options.warmupMs,
    options.durationMs,
    runStreamLoad({ ...options, target: target.address }),
  );
  return {
    label,
    client: 'stream',
    throughput: s.throughput,
    okShare: s.okShare,
    latency: s.latency,
    clientCores: s.cpuCores,
    clientUsPerRequest: s.cpuUsPerRequest,
    ...cpuRow(target, cpu, s.cpuCores),
    detail: formatStreamLoad(s, `${label}, ChargeStream mix`),
    stream: s,
  };
}

const nf = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function pad(s: string, n: number, left = false): string {
  return left ? s.padEnd(n) : s.padStart(n);
}

/** Server CPU per request, µs, of the target's "server" process (pure). */
export function serverUsPerRequest(r: Row): number {
  return ((r.targetCores.server ?? 0) * 1e6) / r.throughput;
}

/** A fixed-width table of rows (pure). */
export function formatTable(rows: Row[]): string[] {
  const roles = [...new Set(rows.flatMap((r) => Object.keys(r.targetCores)))];
  const head = [
    pad('target / client', 44, true),
    pad('req/s', 8),
    pad('p50 ms', 7),
    pad('p99 ms', 7),
    pad('p99.9', 7),
    pad('ok %', 7),
    ...roles.map((x) => pad(`${x} cores`, Math.max(10, x.length + 6))),
    pad('srv µs/req', 10),
    pad('client cores', 12),
    pad('client µs/req', 13),
    pad('others cores', 12),
  ].join(' ');
  const lines = [head, '-'.repeat(head.length)];
  for (const r of rows) {
    lines.push(
      [
        pad(`${r.label} / ${r.client}`, 44, true),
        pad(nf.format(r.throughput), 8),
        pad(fmtMs(r.latency.percentileUs(50)), 7),
        pad(fmtMs(r.latency.percentileUs(99)), 7),
        pad(fmtMs(r.latency.percentileUs(99.9)), 7),
        pad((r.okShare * 100).toFixed(1), 7),
        ...roles.map((x) => pad(r.targetCores[x] === undefined ? '-' : r.targetCores[x].toFixed(2), Math.max(10, x.length + 6))),
        pad(serverUsPerRequest(r).toFixed(0), 10),
        pad(r.clientCores.toFixed(2), 12),
        pad(r.clientUsPerRequest.toFixed(1), 13),
        pad(r.otherCores.toFixed(2), 12),
      ].join(' '),
    );
  }
  return lines;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}
