/**
 * The `ratel.rated.v1` DEBIT of one rated CDR record. Pure.
 *
 * - eventId = sha1 of the record's identity (`cdrRecordIdentity`): what the record is, not where
 *   it was read. The same switch record re-exported in another file (other name, other line
 *   order, CRLF line endings) has the same id, so JetStream (`Nats-Msg-Id` = eventId, within its
 *   duplicate window) and the ClickHouse readers (one row per eventId) agree with mediation's own
 *   duplicate check (storage/record-claims.ts), which keys on the same id.
 * - requestId `cdr:<fileId>:<line>` names where the record was read (the first file that had it).
 * - Offline records do not move the engine balance: `balanceAfterMicros` is "0" (not
 *   maintained) and `reason` OFFLINE_CDR tells these debits from online ones.
 * - One event per record; `tariffId` is the element in force when usage began (it also set the
 *   increments); the amount covers every time-band segment.
 */
import { createHash } from 'node:crypto';
import { RATED_EVENT_SCHEMA, type RatedEvent } from '@app/events';
import type { RatedUsage } from '@app/rating';
import { cycleIdAt } from '@app/rating';
import type { TaskRecord, TaskRoute } from './rating-task';

/** `reason` of every offline (CDR) debit. */
export const OFFLINE_CDR_REASON = 'OFFLINE_CDR';

/** UTC offsets are whole quarter hours, so the local date (hence the cycle) is constant within one. */
const CYCLE_BUCKET_MS = 15 * 60 * 1000;
/** Cycle ids kept (a month of quarter hours for a few zones); the cache restarts when full. */
const CYCLE_CACHE_ENTRIES_MAX = 20_000;
const cycleCache = new Map<string, string>();

/** `cycleIdAt` memoised per time zone, cycle day and quarter hour: Intl date parts cost microseconds per call. */
export function cachedCycleId(atMs: number, timeZone: string, cycleDay: number): string {
  const key = `${timeZone}|${cycleDay}|${Math.floor(atMs / CYCLE_BUCKET_MS)}`;
  let id = cycleCache.get(key);
  if (id === undefined) {
    id = cycleIdAt(atMs, timeZone, cycleDay);
    if (cycleCache.size >= CYCLE_CACHE_ENTRIES_MAX) cycleCache.clear();
    cycleCache.set(key, id);
  }
  return id;
}

/**
 * The identity of a switch record, independent of the file, line and line endings: the format
 * (by its unit), the switch's record id, the subscriber and the start time (ms, canonical). The
 * start time and subscriber guard against a switch reusing a record id (counter wrap); usage
 * fields are left out, so a re-export with corrected volumes is still the same record.
 */
export function cdrRecordIdentity(unit: 'SECONDS' | 'BYTES', r: Pick<TaskRecord, 'recordId' | 'subscriberId' | 'startMs'>): string {
  return `CDR|${unit}|${r.recordId}|${r.subscriberId}|${r.startMs}`;
}

export function cdrEventId(unit: 'SECONDS' | 'BYTES', r: Pick<TaskRecord, 'recordId' | 'subscriberId' | 'startMs'>): string {
  return createHash('sha1').update(cdrRecordIdentity(unit, r)).digest('hex');
}

/** `cdr:<fileId>:<line>`: the request id of the event, naming its source line. */
export function cdrRequestId(fileId: string, lineNumber: number): string {
  return `cdr:${fileId}:${lineNumber}`;
}

export function buildCdrEvent(fileId: string, r: TaskRecord, route: TaskRoute, unit: 'SECONDS' | 'BYTES', rated: RatedUsage): RatedEvent {
  return {
    schema: RATED_EVENT_SCHEMA,
    eventId: cdrEventId(unit, r),
    type: 'DEBIT',
    accountId: route.accountId,
    subscriberId: r.subscriberId,
    sessionId: '',
    requestId: cdrRequestId(fileId, r.lineNumber),
    requestNumber: 0,
    ratingGroup: r.ratingGroup,
    serviceId: r.serviceId,
    unit,
    usedUnits: rated.usedUnits,
    billableUnits: rated.billableUnits,
    allowanceUnits: 0,
    allowances: [],
    amountMicros: rated.amountMicros.toString(),
    currency: rated.currency,
    balanceAfterMicros: '0',
    tariffId: rated.tariffIds[0] ?? '',
    cycleId: cachedCycleId(r.startMs, route.timeZone, route.cycleDay),
    reason: OFFLINE_CDR_REASON,
    occurredAtMs: r.startMs,
  };
}
