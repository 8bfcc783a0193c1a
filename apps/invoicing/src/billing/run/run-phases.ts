/**
 * The phases of an invoice run, in order, and the limits of a run. A sharded phase has one step per
 * shard (a disjoint, stable slice of the run's accounts); the others have one step, shard 0.
 */
export const RUN_PHASES = ['PLAN', 'COMPUTE', 'VALIDATE', 'FINALIZE', 'RENDER', 'DELIVER', 'REPORT'] as const;
export type RunPhase = (typeof RUN_PHASES)[number];

/** Phases whose work is split by shard; VALIDATE and FINALIZE look at the whole run (run-level checks, one numbering step per series). */
export const SHARDED_PHASES: ReadonlySet<RunPhase> = new Set<RunPhase>(['COMPUTE', 'RENDER', 'DELIVER']);

export const STEP_STATUSES = ['PENDING', 'RUNNING', 'DONE', 'FAILED'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export const RUN_STATUSES = ['RUNNING', 'COMPLETED', 'FAILED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Shards of one run (the migration's CHECK says the same); a Kubernetes Indexed Job has as many completions. */
export const RUN_SHARDS_MAX = 1024;
/** Attempts of one step before the step, and the run, is FAILED (Kubernetes' backoffLimitPerIndex plays the same role there). */
export const STEP_ATTEMPTS_MAX = 5;
/** How long a claimed step stays with its worker without a heartbeat; a killed worker's step is taken over after it. */
export const STEP_LEASE_DEFAULT_MS = 30_000;
export const STEP_LEASE_MIN_MS = 1_000;
export const STEP_LEASE_MAX_MS = 3_600_000;
/** Longest error text kept on a failed step. */
export const STEP_ERROR_MAX_LENGTH = 2_000;

export function phaseIndex(phase: RunPhase): number {
  return RUN_PHASES.indexOf(phase);
}

export function isRunPhase(value: unknown): value is RunPhase {
  return typeof value === 'string' && (RUN_PHASES as readonly string[]).includes(value);
}

/** Steps a phase has in a run of `shardCount` shards. */
export function stepsOf(phase: RunPhase, shardCount: number): number {
  return SHARDED_PHASES.has(phase) ? shardCount : 1;
}
