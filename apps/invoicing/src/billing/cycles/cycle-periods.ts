/**
 * Periods of billing cycle types, in the cycle type's time zone: a period is a pair of local dates
 * [start, end), and its instants are the local midnights of those dates (a DST change moves the
 * instant, never the date). Pure.
 *
 *   WEEKLY     anchor 1-7 (ISO weekday the week starts on)
 *   MONTHLY    anchor 1-28 (day of the month)
 *   QUARTERLY  anchor 1-28 of January, April, July, October
 *   ANNUAL     anchor 1-28 of January
 */
export const CYCLE_KINDS = ['WEEKLY', 'MONTHLY', 'QUARTERLY', 'ANNUAL'] as const;
export type CycleKind = (typeof CYCLE_KINDS)[number];

export interface CycleType {
  code: string;
  kind: CycleKind;
  anchorDay: number;
  timeZone: string;
  graceDays: number;
}

export interface Period {
  /** YYYY-MM-DD, local to the cycle type's zone; end exclusive. */
  start: string;
  end: string;
}

const DAY_MS = 86_400_000;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
export const isoDate = (y: number, m: number, d: number) => `${pad(y, 4)}-${pad(m)}-${pad(d)}`;

function parts(date: string): [number, number, number] {
  return [Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10))];
}

export function addDays(date: string, days: number): string {
  const [y, m, d] = parts(date);
  return new Date(Date.UTC(y, m - 1, d) + days * DAY_MS).toISOString().slice(0, 10);
}

function addMonths(date: string, months: number): string {
  const [y, m, d] = parts(date);
  const t = new Date(Date.UTC(y, m - 1 + months, 1));
  return isoDate(t.getUTCFullYear(), t.getUTCMonth() + 1, d);
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock time of an instant in a zone, as if it were UTC (epoch ms). */
function wallClockMs(atMs: number, timeZone: string): number {
  const p = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(new Date(atMs))
      .map((x) => [x.type, Number(x.value)]),
  );
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
}

/** The local date of an instant in a zone (YYYY-MM-DD). */
export function localDateOf(atMs: number, timeZone: string): string {
  return new Date(wallClockMs(atMs, timeZone)).toISOString().slice(0, 10);
}

/**
 * The instant a local date starts in a zone (its local midnight, or the first instant after it when
 * a DST gap swallows midnight). Throws RangeError for an unknown zone.
 */
export function startOfLocalDateMs(date: string, timeZone: string): number {
  const [y, m, d] = parts(date);
  const wall = Date.UTC(y, m - 1, d);
  let t = wall;
  for (let i = 0; i < 3; i++) t -= wallClockMs(t, timeZone) - wall;
  // In a gap (midnight does not exist), the iteration lands an hour early or late: take the first instant of the date.
  while (localDateOf(t, timeZone) < date) t += 15 * 60_000;
  return t;
}

/** Periods looked up by COMPUTE (one per subscription, the same few dates over and over); cleared when full. */
export const PERIOD_CACHE_MAX = 10_000;
const periods = new Map<string, Period>();

/** The period of `type` that contains the local date `date`. */
export function periodContaining(type: Pick<CycleType, 'kind' | 'anchorDay'>, date: string): Period {
  const key = `${type.kind}|${type.anchorDay}|${date}`;
  const known = periods.get(key);
  if (known !== undefined) return { ...known };
  const period = computePeriodContaining(type, date);
  if (periods.size >= PERIOD_CACHE_MAX) periods.clear();
  periods.set(key, period);
  return { ...period };
}

function computePeriodContaining(type: Pick<CycleType, 'kind' | 'anchorDay'>, date: string): Period {
  const [y, m, d] = parts(date);
  const a = type.anchorDay;
  switch (type.kind) {
    case 'WEEKLY': {
      const weekday = ((new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7) + 1; // ISO: Monday 1
      const start = addDays(date, -((weekday - a + 7) % 7));
      return { start, end: addDays(start, 7) };
    }
    case 'MONTHLY': {
      const start = d >= a ? isoDate(y, m, a) : addMonths(isoDate(y, m, a), -1);
      return { start, end: addMonths(start, 1) };
    }
    case 'QUARTERLY': {
      const qStartMonth = Math.floor((m - 1) / 3) * 3 + 1;
      let start = isoDate(y, qStartMonth, a);
      if (date < start) start = addMonths(start, -3);
      return { start, end: addMonths(start, 3) };
    }
    case 'ANNUAL': {
      const start = date >= isoDate(y, 1, a) ? isoDate(y, 1, a) : isoDate(y - 1, 1, a);
      return { start, end: addMonths(start, 12) };
    }
  }
}

/** The period after `p`. */
export function nextPeriod(type: Pick<CycleType, 'kind' | 'anchorDay'>, p: Period): Period {
  return periodContaining(type, p.end);
}

/** The id of a type's cycle: its code and first day, e.g. MONTHLY_1-2026-11-01. */
export function cycleIdOf(typeCode: string, p: Period): string {
  return `${typeCode}-${p.start}`;
}
