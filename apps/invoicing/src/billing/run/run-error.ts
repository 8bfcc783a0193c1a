/** Errors of invoice runs, mapped to HTTP by the invoicing error filter and to exit codes by the CLI. */
export enum RunErrorCode {
  INVALID_ARGUMENT = 'INVALID_ARGUMENT',
  RUN_NOT_FOUND = 'RUN_NOT_FOUND',
  /** The run exists with another shard count: a run's slices never change once planned. */
  SHARD_COUNT_MISMATCH = 'SHARD_COUNT_MISMATCH',
  /** A phase was asked for before the phases it needs are done. */
  PHASE_NOT_READY = 'PHASE_NOT_READY',
  /** A step failed STEP_ATTEMPTS_MAX times. */
  STEP_FAILED = 'STEP_FAILED',
  /** The usage of the period cannot be read yet (the sink's consumer is missing or unreachable). */
  USAGE_NOT_READY = 'USAGE_NOT_READY',
  /** The cycle cannot be billed in its status (still OPEN or CLOSING, or unknown). */
  CYCLE_NOT_CLOSED = 'CYCLE_NOT_CLOSED',
  /** The run is being driven by a coordinator; the operation waits until it stops. */
  RUN_BUSY = 'RUN_BUSY',
  /** Workers were launched several times and none could claim a step (they cannot start). */
  WORKERS_FAILED = 'WORKERS_FAILED',
}

/** HTTP status of each code (the invoicing error filter), in one place. */
export const RUN_ERROR_HTTP_STATUS: Readonly<Record<RunErrorCode, number>> = {
  [RunErrorCode.INVALID_ARGUMENT]: 400,
  [RunErrorCode.RUN_NOT_FOUND]: 404,
  [RunErrorCode.SHARD_COUNT_MISMATCH]: 409,
  [RunErrorCode.PHASE_NOT_READY]: 409,
  [RunErrorCode.STEP_FAILED]: 500,
  [RunErrorCode.USAGE_NOT_READY]: 503,
  [RunErrorCode.CYCLE_NOT_CLOSED]: 422,
  [RunErrorCode.RUN_BUSY]: 409,
  [RunErrorCode.WORKERS_FAILED]: 500,
};

export class RunError extends Error {
  constructor(
    readonly code: RunErrorCode,
    message: string,
    readonly parameter?: string,
  ) {
    super(message);
    this.name = 'RunError';
  }
}
