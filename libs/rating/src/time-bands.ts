/**
 * Time bands: a weekly schedule in local wall-clock time, evaluated in the account's IANA time
 * zone with Intl.DateTimeFormat (so DST is the zone's own rules), and the search for the next
 * instant the band in force changes (RFC 4006 Tariff-Time-Change).
 *
 * Precedence: where windows of several bands overlap, the band listed first in the plan wins
 * (list WEEKEND before PEAK). Minutes covered by no band have no band (`undefined`).
 */
import { CACHED_TIME_ZONES_MAX, TARIFF_CHANGE_SEARCH_STEPS_MAX } from './limits';
import { type TimeBand, WEEKDAYS } from './price-plan';
import { RatingError, RatingErrorCode } from './rating-error';

export const MINUTES_PER_DAY = 1440;
export const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;
const MS_PER_MINUTE = 60_000;

/** "HH:MM" (validated) as minutes after midnight; "24:00" is 1440. */
export function clockMinutes(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

function bandContaining(bands: readonly TimeBand[], minuteOfWeek: number): string | undefined {
  const day = WEEKDAYS[Math.floor(minuteOfWeek / MINUTES_PER_DAY)];
  const minute = minuteOfWeek % MINUTES_PER_DAY;
  const band = bands.find((b) =>
    b.windows.some((w) => w.days.includes(day) && clockMinutes(w.from) <= minute && minute < clockMinutes(w.to)),
  );
  return band?.id;
}

/** The plan's bands as a cyclic week of segments; minute 0 is Monday 00:00 local time. */
export class WeeklySchedule {
  /** Ascending minutes of the week where some window starts or ends. */
  private readonly edges: number[];
  /** Band in force from `edges[i]` until the next edge. */
  private readonly bands: (string | undefined)[];

  constructor(timeBands: readonly TimeBand[]) {
    const edges = new Set<number>();
    for (const band of timeBands) {
      for (const w of band.windows) {
        for (const day of w.days) {
          const dayStart = WEEKDAYS.indexOf(day) * MINUTES_PER_DAY;
          edges.add(dayStart + clockMinutes(w.from));
          edges.add((dayStart + clockMinutes(w.to)) % MINUTES_PER_WEEK);
        }
      }
    }
    this.edges = [...edges].sort((a, b) => a - b);
    this.bands = this.edges.map((e) => bandContaining(timeBands, e));
  }

  /** Index of the segment holding `minuteOfWeek` (the last edge at or before it, cyclically); -1 without edges. */
  private segmentOf(minuteOfWeek: number): number {
    let found = this.edges.length - 1;
    for (let i = 0; i < this.edges.length && this.edges[i] <= minuteOfWeek; i++) found = i;
    return found;
  }

  bandAt(minuteOfWeek: number): string | undefined {
    const i = this.segmentOf(minuteOfWeek);
    return i < 0 ? undefined : this.bands[i];
  }

  /**
   * Whole minutes from the start of `minuteOfWeek` to the next edge whose band satisfies
   * `differs` (1 to MINUTES_PER_WEEK), or undefined when no edge of the week does.
   */
  minutesToNextEdgeWhere(minuteOfWeek: number, differs: (band: string | undefined) => boolean): number | undefined {
    const current = this.segmentOf(minuteOfWeek);
    for (let step = 1; step < this.edges.length; step++) {
      const j = (current + step) % this.edges.length;
      if (differs(this.bands[j])) {
        return (this.edges[j] - minuteOfWeek + MINUTES_PER_WEEK) % MINUTES_PER_WEEK || MINUTES_PER_WEEK;
      }
    }
    return undefined;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** A cached formatter for `timeZone`; throws INVALID_USAGE naming the zone when Intl does not know it. */
export function timeZoneFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter !== undefined) return formatter;
  try {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  } catch {
    throw new RatingError(RatingErrorCode.INVALID_USAGE, `unknown IANA time zone "${timeZone}"`, 'timeZone');
  }
  if (formatters.size >= CACHED_TIME_ZONES_MAX) formatters.clear();
  formatters.set(timeZone, formatter);
  return formatter;
}

export interface LocalTime {
  /** Local wall-clock time minus UTC, in ms (+3600000 for CET). */
  offsetMs: number;
  /** Minutes since Monday 00:00 local time. */
  minuteOfWeek: number;
  /** Milliseconds since the start of the local minute. */
  msIntoMinute: number;
}

/** Local wall-clock time of the instant `atMs` (>= 0) in `timeZone`. */
export function localTimeAt(atMs: number, timeZone: string): LocalTime {
  const parts: Record<string, number> = {};
  for (const p of timeZoneFormatter(timeZone).formatToParts(atMs)) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const hour = parts.hour % 24; // some ICU versions render midnight as 24
  const ms = atMs % 1000;
  const dayUtc = Date.UTC(parts.year, parts.month - 1, parts.day);
  const wallMs = dayUtc + ((hour * 60 + parts.minute) * 60 + parts.second) * 1000 + ms;
  const isoWeekday = (new Date(dayUtc).getUTCDay() + 6) % 7;
  return {
    offsetMs: wallMs - atMs,
    minuteOfWeek: isoWeekday * MINUTES_PER_DAY + hour * 60 + parts.minute,
    msIntoMinute: parts.second * 1000 + ms,
  };
}

/** Smallest instant in (lo, hi] whose UTC offset differs from `offsetMs` (the offset at lo); the offset at hi differs. */
function firstOffsetChange(lo: number, hi: number, offsetMs: number, timeZone: string): number {
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (localTimeAt(mid, timeZone).offsetMs === offsetMs) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * The first instant after `atMs` at which `keyOf(band in force)` changes, or undefined when it
 * never does. Walks band edges in wall-clock time; when a UTC offset change (DST) lies before
 * the edge, it stops at the offset change and re-evaluates there, so skipped and repeated local
 * hours are handled exactly. `localAtMs` is the local time at `atMs`, when the caller has it.
 */
export function nextChangeMs(
  atMs: number,
  timeZone: string,
  schedule: WeeklySchedule,
  keyOf: (band: string | undefined) => string,
  localAtMs: LocalTime = localTimeAt(atMs, timeZone),
): number | undefined {
  let t = atMs;
  let local = localAtMs;
  const key = keyOf(schedule.bandAt(local.minuteOfWeek));
  const differs = (band: string | undefined): boolean => keyOf(band) !== key;
  for (let step = 0; step < TARIFF_CHANGE_SEARCH_STEPS_MAX; step++) {
    const minutes = schedule.minutesToNextEdgeWhere(local.minuteOfWeek, differs);
    if (minutes === undefined) return undefined;
    const candidate = t + minutes * MS_PER_MINUTE - local.msIntoMinute;
    if (localTimeAt(candidate, timeZone).offsetMs === local.offsetMs) return candidate;
    t = firstOffsetChange(t, candidate, local.offsetMs, timeZone);
    local = localTimeAt(t, timeZone);
    if (differs(schedule.bandAt(local.minuteOfWeek))) return t;
  }
  throw new Error(`tariff change search did not converge in ${TARIFF_CHANGE_SEARCH_STEPS_MAX} steps (${timeZone}, ${atMs})`);
}
