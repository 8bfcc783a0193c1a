/** Bodies and query strings of the cycles API, validated; a bad one names its field and changes nothing. */
import { BillingError } from '../documents/billing-error';
import {
  CYCLE_STATUSES,
  CYCLES_OFFSET_MAX,
  CYCLES_PAGE_DEFAULT,
  CYCLES_PAGE_MAX,
  CYCLE_GRACE_DAYS_MAX,
  CYCLE_TYPE_DESCRIPTION_MAX_LENGTH,
  type CycleFilter,
  type CycleTypeView,
} from '../cycles/cycle-admin';
import { CYCLE_KINDS, type CycleKind } from '../cycles/cycle-periods';
import { CYCLES_AHEAD_DEFAULT, CYCLES_AHEAD_MAX } from '../cycles/cycle-service';
import { date, int, one, oneOf, type Raw } from './query';

const CODE = /^[A-Z0-9_]{1,32}$/;

function invalid(field: string, message: string): BillingError {
  return BillingError.invalid(field, message);
}

function validZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** A cycle type from a request body; a bad field is named. */
export function cycleTypeBody(b: unknown): CycleTypeView {
  if (b === null || typeof b !== 'object' || Array.isArray(b)) throw invalid('body', 'must be a JSON object');
  const r = b as Raw;
  const allowed = ['code', 'kind', 'anchorDay', 'timeZone', 'graceDays', 'description'];
  const unknown = Object.keys(r).find((k) => !allowed.includes(k));
  if (unknown !== undefined) throw invalid(unknown, `unknown field; allowed: ${allowed.join(', ')}`);
  if (typeof r.code !== 'string' || !CODE.test(r.code)) throw invalid('code', `must match ${CODE.source}`);
  if (!(CYCLE_KINDS as readonly unknown[]).includes(r.kind)) throw invalid('kind', `one of ${CYCLE_KINDS.join(', ')}`);
  const kind = r.kind as CycleKind;
  const maxAnchor = kind === 'WEEKLY' ? 7 : 28;
  if (!Number.isInteger(r.anchorDay) || (r.anchorDay as number) < 1 || (r.anchorDay as number) > maxAnchor)
    throw invalid('anchorDay', `an integer from 1 to ${maxAnchor} for ${kind} (${kind === 'WEEKLY' ? 'ISO weekday' : 'day of the month'})`);
  if (typeof r.timeZone !== 'string' || !validZone(r.timeZone)) throw invalid('timeZone', "an IANA time zone like 'Europe/Paris'");
  const graceDays = r.graceDays ?? 3;
  if (!Number.isInteger(graceDays) || (graceDays as number) < 0 || (graceDays as number) > CYCLE_GRACE_DAYS_MAX)
    throw invalid('graceDays', `an integer from 0 to ${CYCLE_GRACE_DAYS_MAX}`);
  const description = r.description ?? '';
  if (typeof description !== 'string' || description.length > CYCLE_TYPE_DESCRIPTION_MAX_LENGTH)
    throw invalid('description', `text of at most ${CYCLE_TYPE_DESCRIPTION_MAX_LENGTH} characters`);
  return { code: r.code, kind, anchorDay: r.anchorDay as number, timeZone: r.timeZone, graceDays: graceDays as number, description };
}

/** The list filter from a query string; a bad parameter is named. */
export function cycleFilter(q: Raw): CycleFilter {
  const known = ['cycleType', 'status', 'from', 'to', 'limit', 'offset'];
  const unknown = Object.keys(q).find((k) => !known.includes(k));
  if (unknown !== undefined) throw invalid(unknown, `unknown parameter; known: ${known.join(', ')}`);
  const cycleType = one(q, 'cycleType');
  if (cycleType !== undefined && !CODE.test(cycleType)) throw invalid('cycleType', `must match ${CODE.source}`);
  const status = oneOf(q, 'status', CYCLE_STATUSES);
  const from = date(q, 'from');
  const to = date(q, 'to');
  if (from !== undefined && to !== undefined && to < from) throw invalid('to', 'not before from');
  return {
    ...(cycleType === undefined ? {} : { cycleType }),
    ...(status === undefined ? {} : { status }),
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
    limit: int(q, 'limit', 1, CYCLES_PAGE_MAX, CYCLES_PAGE_DEFAULT),
    offset: int(q, 'offset', 0, CYCLES_OFFSET_MAX, 0),
  };
}

/** `ahead` of POST /cycles/due. */
export function dueBody(b: unknown): { ahead: number } {
  if (b === undefined || b === null) return { ahead: CYCLES_AHEAD_DEFAULT };
  if (typeof b !== 'object' || Array.isArray(b)) throw invalid('body', 'must be a JSON object');
  const r = b as Raw;
  const unknown = Object.keys(r).find((k) => k !== 'ahead');
  if (unknown !== undefined) throw invalid(unknown, 'unknown field; allowed: ahead');
  const ahead = r.ahead ?? CYCLES_AHEAD_DEFAULT;
  if (!Number.isInteger(ahead) || (ahead as number) < 0 || (ahead as number) > CYCLES_AHEAD_MAX)
    throw invalid('ahead', `an integer from 0 to ${CYCLES_AHEAD_MAX}`);
  return { ahead: ahead as number };
}
