/**
 * Rates one task's records: pure apart from the plan cache it is handed. Runs inside a rating
 * worker (cdr-rating.worker.ts); specs call it directly.
 *
 * Each record is rated alone with `cycleUsedBefore` 0 and its setup fee due (a CDR is a whole
 * call or session). A record the plan rates in another unit than the file's (a data rating group
 * priced in seconds) is rejected rather than priced wrongly.
 */
import { parsePricePlan, PricePlan, rateUsage, RatedUsage, RatingError, RatingErrorCode } from '@app/rating';
import { CdrReject, CdrRejectCode } from '../cdr-formats';
import { buildCdrEvent } from './cdr-event';
import { PlanRef, RatingResult, RatingTask, TaskRecord, taskRecordAt, TaskRoute } from './rating-task';

interface CachedPlan {
  plan: PricePlan;
  /** Unit of each tariff id (`<planId>:<version>:<elementId>`). */
  units: Map<string, string>;
}

/** Parsed plans by key, least recently added evicted first beyond `entriesMax`. */
export class PlanCache {
  private readonly entries = new Map<string, CachedPlan>();

  constructor(private readonly entriesMax: number) {}

  get(ref: PlanRef): CachedPlan {
    let hit = this.entries.get(ref.key);
    if (hit === undefined) {
      const plan = parsePricePlan(JSON.parse(ref.json) as unknown);
      hit = { plan, units: new Map(plan.elements.map((e) => [`${plan.id}:${plan.version}:${e.id}`, e.unit])) };
      if (this.entries.size >= this.entriesMax) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(ref.key, hit);
    }
    return hit;
  }
}

function rejectOf(err: unknown): CdrReject {
  if (!(err instanceof RatingError)) throw err; // a bug, not a bad record: fail the task
  const code =
    err.code === RatingErrorCode.NO_RATE
      ? CdrRejectCode.NO_RATE
      : err.code === RatingErrorCode.INVALID_PLAN
        ? CdrRejectCode.INVALID_PLAN
        : CdrRejectCode.RATING_FAILED;
  return { code, reason: `${err.code}: ${err.message}` };
}

/** The rated usage of one record, or why not. */
function rateOne(unit: RatingTask['unit'], r: TaskRecord, route: TaskRoute, cached: CachedPlan): RatedUsage | CdrReject {
  try {
    const rated = rateUsage(cached.plan, {
      ratingGroup: r.ratingGroup,
      serviceId: r.serviceId,
      calledNumber: r.calledNumber,
      startMs: r.startMs,
      units: r.units,
      timeZone: route.timeZone,
      roaming: r.roaming,
      cycleUsedBefore: 0,
    });
    const tariffUnit = cached.units.get(rated.tariffIds[0]);
    if (tariffUnit !== unit)
      return { code: CdrRejectCode.UNIT_MISMATCH, reason: `${rated.tariffIds[0]} rates ${tariffUnit}, the record is in ${unit}` };
    return rated;
  } catch (err) {
    return rejectOf(err);
  }
}

/** Parses the task's plans once (a plan that does not parse rejects its records). */
function plansOf(task: RatingTask, cache: PlanCache): Map<string, CachedPlan | CdrReject> {
  const out = new Map<string, CachedPlan | CdrReject>();
  for (const ref of task.plans) {
    try {
      out.set(ref.key, cache.get(ref));
    } catch (err) {
      out.set(ref.key, rejectOf(err));
    }
  }
  return out;
}

const encoder = new TextEncoder();

/** Encodes the payloads into one buffer with their end offsets. */
function packPayloads(payloads: readonly string[]): { payloadBytes: Uint8Array; payloadEnds: Uint32Array } {
  const payloadEnds = new Uint32Array(payloads.length);
  let end = 0;
  payloads.forEach((p, i) => (payloadEnds[i] = end += Buffer.byteLength(p, 'utf8')));
  return { payloadBytes: encoder.encode(payloads.join('')), payloadEnds };
}

export function rateBatch(task: RatingTask, cache: PlanCache): RatingResult {
  const plans = plansOf(task, cache);
  const n = task.records.lineNumber.length;
  const payloads: string[] = [];
  const rated = {
    lineNumber: [] as number[],
    accountId: [] as string[],
    eventId: [] as string[],
    amountMicros: new BigInt64Array(n),
    currency: [] as string[],
  };
  const unrated: RatingResult['unrated'] = [];
  for (let i = 0; i < n; i++) {
    const r = taskRecordAt(task.records, i);
    const route = task.routes[r.route];
    const plan = plans.get(route.planKey);
    if (plan === undefined) throw new Error(`task without plan ${route.planKey}`); // programmer error
    const outcome = 'code' in plan ? plan : rateOne(task.unit, r, route, plan);
    if ('code' in outcome) {
      unrated.push({ lineNumber: r.lineNumber, ...outcome });
      continue;
    }
    const event = buildCdrEvent(task.fileId, r, route, task.unit, outcome);
    rated.amountMicros[rated.lineNumber.length] = outcome.amountMicros;
    rated.lineNumber.push(r.lineNumber);
    rated.accountId.push(route.accountId);
    rated.eventId.push(event.eventId);
    payloads.push(JSON.stringify(event));
    rated.currency.push(outcome.currency);
  }
  rated.amountMicros = rated.amountMicros.slice(0, rated.lineNumber.length);
  return { rated: { ...rated, ...packPayloads(payloads) }, unrated };
}
