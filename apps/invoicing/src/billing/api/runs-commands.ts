/** The raw bodies and path parameters of the run API, validated into commands; a bad one names its field. */
import { RunError, RunErrorCode } from '../run/run-error';
import { RUN_WORKERS_MAX } from '../run/run-config';
import { isRunPhase, RUN_PHASES, RUN_SHARDS_MAX, type RunPhase } from '../run/run-phases';
import type { RunView } from '../run/run-service';
import type { RunResponse } from './runs.dto';

/** Cycle and run ids: the run store's keys. */
export const RUN_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

const invalid = (parameter: string, message: string) => new RunError(RunErrorCode.INVALID_ARGUMENT, `${parameter}: ${message}`, parameter);

function object(body: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw invalid('body', 'must be a JSON object');
  const unknown = Object.keys(body).find((k) => !allowed.includes(k));
  if (unknown !== undefined) throw invalid(unknown, `unknown field; allowed: ${allowed.join(', ')}`);
  return body as Record<string, unknown>;
}

function intField(v: unknown, name: string, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) throw invalid(name, `an integer from 1 to ${max}`);
  return v;
}

export function idParam(v: unknown, name: string): string {
  if (typeof v !== 'string' || !RUN_ID_PATTERN.test(v)) throw invalid(name, `must match ${RUN_ID_PATTERN.source}`);
  return v;
}

export function phaseParam(v: unknown): RunPhase {
  if (!isRunPhase(v)) throw invalid('phase', `one of ${RUN_PHASES.join(', ')}`);
  return v;
}

export function startRunCommand(body: unknown): { cycleId: string; shards?: number; workers?: number } {
  const b = object(body, ['cycleId', 'shards', 'workers']);
  if (b.cycleId === undefined) throw invalid('cycleId', 'required');
  const shards = intField(b.shards, 'shards', RUN_SHARDS_MAX);
  const workers = intField(b.workers, 'workers', RUN_WORKERS_MAX);
  return {
    cycleId: idParam(b.cycleId, 'cycleId'),
    ...(shards === undefined ? {} : { shards }),
    ...(workers === undefined ? {} : { workers }),
  };
}

export function rerunCommand(runId: unknown, phase: unknown, body: unknown): { runId: string; phase: RunPhase; workers?: number } {
  const b = object(body, ['workers']);
  const workers = intField(b.workers, 'workers', RUN_WORKERS_MAX);
  return { runId: idParam(runId, 'runId'), phase: phaseParam(phase), ...(workers === undefined ? {} : { workers }) };
}

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

export function runResponse(v: RunView): RunResponse {
  const { run } = v;
  return {
    id: run.id,
    cycleId: run.cycleId,
    shardCount: run.shardCount,
    status: run.status,
    usageWatermarkSeq: run.usageWatermarkSeq?.toString() ?? null,
    previousWatermarkSeq: run.previousWatermarkSeq?.toString() ?? null,
    driving: v.driving,
    createdAt: run.createdAt.toISOString(),
    updatedAt: run.updatedAt.toISOString(),
    finishedAt: iso(run.finishedAt),
    phases: v.phases.map((p) => ({
      phase: p.phase,
      steps: p.steps,
      pending: p.pending,
      running: p.running,
      done: p.done,
      failed: p.failed,
      itemsDone: p.itemsDone,
      itemsTotal: p.itemsTotal,
      shards: p.shards.map((s) => ({
        phase: s.phase,
        shardIndex: s.shardIndex,
        status: s.status,
        attempts: s.attempts,
        itemsDone: s.itemsDone,
        itemsTotal: s.itemsTotal,
        leaseOwner: s.leaseOwner,
        lastError: s.lastError,
        startedAt: iso(s.startedAt),
        finishedAt: iso(s.finishedAt),
      })),
    })),
  };
}
