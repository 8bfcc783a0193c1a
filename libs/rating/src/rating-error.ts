/** Why rating refused. INVALID_* are bad input (answer precisely, change nothing); NO_RATE is a plan gap. */
export enum RatingErrorCode {
  /** The price plan is malformed or inconsistent; `path` names the JSON path of the culprit. */
  INVALID_PLAN = 'INVALID_PLAN',
  /** No rate element of the plan applies to this usage (rating group, service, destination, time, roaming). */
  NO_RATE = 'NO_RATE',
  /** The usage or rating context is malformed (negative units, unknown time zone, bad number...). */
  INVALID_USAGE = 'INVALID_USAGE',
  /** A CompiledRate handed to a pricing function breaks its contract (see compiled-rate.ts). */
  INVALID_RATE = 'INVALID_RATE',
  /** A rated amount would exceed the engine limit (AMOUNT_MAX_MICROS). */
  OUT_OF_RANGE = 'OUT_OF_RANGE',
}

export class RatingError extends Error {
  constructor(
    readonly code: RatingErrorCode,
    message: string,
    /** JSON path of the offending value, e.g. `elements[2].tiers[1].price`; absent when not about one value. */
    readonly path?: string,
  ) {
    super(path === undefined ? message : `${path}: ${message}`);
    this.name = 'RatingError';
  }
}

/** Renders a path of keys and indexes as `elements[2].tiers[1].price`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}
