/**
 * Kubernetes workers of an invoice run: for each phase the coordinator creates one Job from the
 * worker template (k8s/base/invoice-run-worker-job.yaml, mounted from a ConfigMap): Indexed, with as
 * many completions as the phase has steps and the coordinator's worker count as parallelism. Each
 * pod runs `ratel invoice-run work --run <id> --phase <phase>` on the shard JOB_COMPLETION_INDEX.
 * The coordinator then follows the Job until it completes or fails (and PostgreSQL, where the steps
 * are, says the same); stopping the coordinator deletes the Job it created.
 *
 * The API is reached in the cluster with the pod's service-account token and CA (the defaults
 * below), or outside it through `kubectl proxy` (KUBE_API_URL=http://127.0.0.1:8001, no token).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { parse } from 'yaml';
import { sleep } from '@app/runtime';
import { RunPhase, stepsOf } from './run-phases';
import type { RunRecord } from './run-store';

export const KUBE_SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
export const KUBE_API_URL_IN_CLUSTER = 'https://kubernetes.default.svc';
/** How often a worker Job's status is read. */
export const KUBE_POLL_INTERVAL_MS = 2_000;
/** Bound of one API request. */
export const KUBE_REQUEST_TIMEOUT_MS = 30_000;
/** Kubernetes names of Jobs are DNS labels (the job-name label of their pods). */
export const KUBE_JOB_NAME_MAX_LENGTH = 63;

export interface KubernetesLauncherOptions {
  apiUrl: string;
  namespace: string;
  /** Bearer token (the service account's), absent through kubectl proxy. */
  token?: string;
  /** PEM of the API server's CA (the service account's). */
  ca?: string;
  /** The worker Job template (parsed YAML). */
  template: Record<string, unknown>;
  /** Unique per coordinator start, so a resumed run never collides with the Jobs of an earlier coordinator. */
  launchId: string;
}

/** Reads the in-cluster defaults (token, CA, namespace) where the environment does not say otherwise. */
export function kubernetesOptionsFromEnv(p: { env: NodeJS.ProcessEnv; templatePath: string; launchId: string }): KubernetesLauncherOptions {
  const sa = (file: string) =>
    existsSync(`${KUBE_SERVICE_ACCOUNT_DIR}/${file}`) ? readFileSync(`${KUBE_SERVICE_ACCOUNT_DIR}/${file}`, 'utf8') : undefined;
  const apiUrl = p.env.KUBE_API_URL ?? KUBE_API_URL_IN_CLUSTER;
  const namespace = p.env.KUBE_NAMESPACE ?? sa('namespace')?.trim();
  if (!namespace) throw new Error('KUBE_NAMESPACE is not set and there is no service-account namespace file');
  const inCluster = apiUrl === KUBE_API_URL_IN_CLUSTER;
  return {
    apiUrl,
    namespace,
    token: p.env.KUBE_TOKEN ?? (inCluster ? sa('token')?.trim() : undefined),
    ca: inCluster ? sa('ca.crt') : undefined,
    template: parse(readFileSync(p.templatePath, 'utf8')) as Record<string, unknown>,
    launchId: p.launchId,
  };
}

export class KubernetesLauncher {
  private launches = 0;

  constructor(private readonly o: KubernetesLauncherOptions) {}

  /** Creates the phase's worker Job and resolves when it has completed or failed (or deletes it on abort). */
  async launchWorkers(p: { run: RunRecord; phase: RunPhase; count: number; signal: AbortSignal }): Promise<void> {
    const job = this.jobFor(p.run, p.phase, p.count);
    const name = (job.metadata as { name: string }).name;
    await this.api('POST', `/apis/batch/v1/namespaces/${this.o.namespace}/jobs`, job);
    try {
      while (!(await this.finished(name))) await sleep(KUBE_POLL_INTERVAL_MS, p.signal);
    } catch (err) {
      if (p.signal.aborted)
        await this.api('DELETE', `/apis/batch/v1/namespaces/${this.o.namespace}/jobs/${name}`, { propagationPolicy: 'Background' });
      throw err;
    }
  }

  /** The Job of one phase: the template with its name, labels, completions, parallelism and arguments. */
  jobFor(run: RunRecord, phase: RunPhase, workers: number): Record<string, unknown> {
    const job = structuredClone(this.o.template) as {
      metadata: { name?: string; labels?: Record<string, string> };
      spec: { completions?: number; parallelism?: number; template: { spec: { containers: { args?: string[] }[] } } };
    };
    const runTag = createHash('sha256').update(run.id).digest('hex').slice(0, 10);
    const name = `ratel-run-${runTag}-${phase.toLowerCase()}-${this.o.launchId}-${++this.launches}`.slice(0, KUBE_JOB_NAME_MAX_LENGTH);
    job.metadata = { ...job.metadata, name, labels: { ...job.metadata?.labels, 'ratel.io/run': runTag, 'ratel.io/phase': phase } };
    const completions = stepsOf(phase, run.shardCount);
    job.spec.completions = completions;
    job.spec.parallelism = Math.max(1, Math.min(workers, completions));
    for (const c of job.spec.template.spec.containers) c.args = [...(c.args ?? []), '--run', run.id, '--phase', phase];
    return job as unknown as Record<string, unknown>;
  }

  private async finished(name: string): Promise<boolean> {
    const job = (await this.api('GET', `/apis/batch/v1/namespaces/${this.o.namespace}/jobs/${name}`)) as {
      status?: { conditions?: { type: string; status: string }[] };
    };
    return (job.status?.conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
  }

  private api(method: string, path: string, body?: unknown): Promise<unknown> {
    const url = new URL(path, this.o.apiUrl);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          ca: this.o.ca,
          timeout: KUBE_REQUEST_TIMEOUT_MS,
          headers: {
            accept: 'application/json',
            ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
            ...(this.o.token ? { authorization: `Bearer ${this.o.token}` } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if ((res.statusCode ?? 500) >= 300)
              reject(new Error(`Kubernetes API ${method} ${path}: ${res.statusCode} ${text.slice(0, 500)}`));
            else resolve(text ? JSON.parse(text) : {});
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`Kubernetes API ${method} ${path}: no answer in ${KUBE_REQUEST_TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }
}
