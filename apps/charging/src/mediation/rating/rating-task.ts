/**
 * What the main thread sends a rating worker and what comes back. Records arrive already parsed,
 * validated and resolved to their postpaid account; the worker rates them with `rateUsage` (the
 * library online charging uses) and builds each `ratel.rated.v1` event, so that the costly part
 * of the work (rating, JSON, SHA-1) scales with the workers.
 *
 * Both directions are columnar: a batch is a few typed arrays and string arrays rather than
 * hundreds of small objects, because structured cloning costs per object and per property (the
 * task messages were the main thread's largest cost before this).
 */
import type { CdrRejectCode } from '../cdr-formats';

/** A price plan as stored in Redis; `key` = planId + hash of the JSON, so a worker parses each version once. */
export interface PlanRef {
  key: string;
  json: string;
}

/** Account, plan and time zone shared by the records of one subscriber route. */
export interface TaskRoute {
  accountId: string;
  planKey: string;
  timeZone: string;
  cycleDay: number;
}

/** One record as the builder takes it and as rateBatch reads it back. */
export interface TaskRecord {
  lineNumber: number;
  /** The switch's record id (part of the record identity, hence of the event id). */
  recordId: string;
  subscriberId: string;
  route: number;
  ratingGroup: number;
  serviceId: number;
  /** Voice only. */
  calledNumber?: string;
  startMs: number;
  units: number;
  roaming: boolean;
}

/** The records of a task, column by column (index i = record i). */
export interface TaskColumns {
  lineNumber: Float64Array;
  route: Uint32Array;
  ratingGroup: Uint32Array;
  serviceId: Uint32Array;
  startMs: Float64Array;
  units: Float64Array;
  roaming: Uint8Array;
  subscriberId: string[];
  recordId: string[];
  /** "" when there is none. */
  calledNumber: string[];
}

export interface RatingTask {
  /** The file id (content hash prefix): request ids name it with the line number. */
  fileId: string;
  /** The unit the file's records are measured in. */
  unit: 'SECONDS' | 'BYTES';
  /** Every plan the routes refer to. */
  plans: PlanRef[];
  routes: TaskRoute[];
  records: TaskColumns;
}

export interface UnratedRecord {
  lineNumber: number;
  code: CdrRejectCode;
  reason: string;
}

/** Rated records column by column, then the records that could not be rated. */
export interface RatingResult {
  rated: {
    lineNumber: number[];
    accountId: string[];
    eventId: string[];
    /**
     * The events' JSON as UTF-8, one buffer for the batch (record i is bytes
     * [payloadEnds[i-1], payloadEnds[i])): encoded in the worker, cloned as one block.
     */
    payloadBytes: Uint8Array;
    payloadEnds: Uint32Array;
    amountMicros: BigInt64Array;
    currency: string[];
  };
  unrated: UnratedRecord[];
}

export function taskRecordAt(c: TaskColumns, i: number): TaskRecord {
  const r: TaskRecord = {
    lineNumber: c.lineNumber[i],
    recordId: c.recordId[i],
    subscriberId: c.subscriberId[i],
    route: c.route[i],
    ratingGroup: c.ratingGroup[i],
    serviceId: c.serviceId[i],
    startMs: c.startMs[i],
    units: c.units[i],
    roaming: c.roaming[i] === 1,
  };
  if (c.calledNumber[i] !== '') r.calledNumber = c.calledNumber[i];
  return r;
}

export function taskColumns(records: readonly TaskRecord[]): TaskColumns {
  const n = records.length;
  const c: TaskColumns = {
    lineNumber: new Float64Array(n),
    route: new Uint32Array(n),
    ratingGroup: new Uint32Array(n),
    serviceId: new Uint32Array(n),
    startMs: new Float64Array(n),
    units: new Float64Array(n),
    roaming: new Uint8Array(n),
    subscriberId: new Array<string>(n),
    recordId: new Array<string>(n),
    calledNumber: new Array<string>(n),
  };
  records.forEach((r, i) => {
    c.lineNumber[i] = r.lineNumber;
    c.route[i] = r.route;
    c.ratingGroup[i] = r.ratingGroup;
    c.serviceId[i] = r.serviceId;
    c.startMs[i] = r.startMs;
    c.units[i] = r.units;
    c.roaming[i] = r.roaming ? 1 : 0;
    c.subscriberId[i] = r.subscriberId;
    c.recordId[i] = r.recordId;
    c.calledNumber[i] = r.calledNumber ?? '';
  });
  return c;
}
