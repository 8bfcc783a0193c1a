/** The worker Job the coordinator creates per phase, from the template in k8s/base. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { KUBE_JOB_NAME_MAX_LENGTH, KubernetesLauncher } from './kubernetes-launcher';
import { WORKER_V8_FLAGS } from './local-workers';
import type { RunRecord } from './run-store';

const TEMPLATE = parse(readFileSync(join(__dirname, '../../../../../k8s/base/invoice-run-worker-job.yaml'), 'utf8'));
const run: RunRecord = {
  id: 'run-cycle-monthly-1-2026-11',
  cycleId: 'cycle-monthly-1-2026-11',
  shardCount: 8,
  status: 'RUNNING',
  createdAt: new Date(0),
  updatedAt: new Date(0),
  usageWatermarkSeq: null,
  previousWatermarkSeq: null,
  finishedAt: null,
};
const launcher = () =>
  new KubernetesLauncher({ apiUrl: 'http://127.0.0.1:1', namespace: 'billing', template: TEMPLATE, launchId: 'mf3k2a' });

type Job = {
  metadata: { name: string; labels: Record<string, string> };
  spec: { completionMode: string; completions: number; parallelism: number; template: { spec: { containers: { args: string[] }[] } } };
};

describe('invoice-run worker Jobs', () => {
  it('makes a sharded phase an Indexed Job with one completion per shard and the workers as parallelism', () => {
    const job = launcher().jobFor(run, 'COMPUTE', 3) as unknown as Job;
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 8, parallelism: 3 });
    expect(job.spec.template.spec.containers[0].args.slice(-6)).toEqual(['invoice-run', 'work', '--run', run.id, '--phase', 'COMPUTE']);
    expect(job.metadata.labels).toMatchObject({ app: 'ratel-invoice-run-worker', 'ratel.io/phase': 'COMPUTE' });
    expect(job.metadata.name).toMatch(/^ratel-run-[0-9a-f]{10}-compute-mf3k2a-1$/);
  });

  it("starts the pods' node with the V8 flags the CLI gives its local workers", () => {
    const args = (launcher().jobFor(run, 'COMPUTE', 2) as unknown as Job).spec.template.spec.containers[0].args;
    expect(args[0]).toBe('node');
    expect(args.slice(1, 1 + WORKER_V8_FLAGS.length)).toEqual([...WORKER_V8_FLAGS]);
  });

  it('makes FINALIZE a single Job, whatever the workers', () => {
    const job = launcher().jobFor(run, 'FINALIZE', 6) as unknown as Job;
    expect(job.spec).toMatchObject({ completions: 1, parallelism: 1 });
  });

  it('names every launch apart and within the DNS-label length, and leaves the template alone', () => {
    const l = launcher();
    const names = ['RENDER', 'RENDER', 'DELIVER'].map((p) => (l.jobFor(run, p as 'RENDER', 2) as unknown as Job).metadata.name);
    expect(new Set(names).size).toBe(3);
    for (const n of names) expect(n.length).toBeLessThanOrEqual(KUBE_JOB_NAME_MAX_LENGTH);
    expect(TEMPLATE.spec.completions).toBe(1);
    expect(TEMPLATE.spec.template.spec.containers[0].args).not.toContain('--run');
  });
});
