/**
 * Calendar dates in an account's time zone. A LocalDate is 'YYYY-MM-DD' with no time and no zone:
 * day arithmetic on it is pure calendar arithmetic (UTC-based, so a DST change never adds or
 * loses a day). Only the conversion of an instant to its local date looks at the zone.
 */
import { ComputeError, ComputeErrorCode } from './compute-error';

/** 'YYYY-MM-DD', a calendar day in the account's zone. */
export type LocalDate = string;

const LOCAL_DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
/** An ISO 8601 instant with an explicit offset: '2026-10-25T23:30:00Z' or '...+02:00'. */
const INSTANT_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const MS_PER_DAY = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * Day numbers and dates repeat across every account of a run (the same cycle, the same periods):
 * both conversions are memoised, in caches of at most CALENDAR_CACHE_MAX entries (cleared when full).
 */
export const CALENDAR_CACHE_MAX = 100_000;
const dayNumbers = new Map<string, number>();
const dates = new Map<number, LocalDate>();
const monthSteps = new Map<string, LocalDate>();

function remember<K, V>(cache: Map<K, V>, key: K, value: V): V {
  if (cache.size >= CALENDAR_CACHE_MAX) cache.clear();
  cache.set(key, value);
  return value;
}

/** Day number since 1970-01-01 of a valid LocalDate. */
export function dayNumber(date: LocalDate): number {
  const known = dayNumbers.get(date);
  if (known !== undefined) return known;
  const m = LOCAL_DATE_PATTERN.exec(date);
  if (!m) throw new RangeError(`not a LocalDate: ${date}`);
  return remember(dayNumbers, date, Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / MS_PER_DAY);
}

export function fromDayNumber(day: number): LocalDate {
  return dates.get(day) ?? remember(dates, day, new Date(day * MS_PER_DAY).toISOString().slice(0, 10));
}

export function addDays(date: LocalDate, days: number): LocalDate {
  return fromDayNumber(dayNumber(date) + days);
}

/** Calendar days in [start, end). */
export function daysBetween(start: LocalDate, end: LocalDate): number {
  return dayNumber(end) - dayNumber(start);
}

/** `date` plus whole months; the day is clamped to the target month's length (Jan 31 + 1 month = Feb 28/29). */
export function addMonths(date: LocalDate, months: number): LocalDate {
  const key = `${date}|${months}`;
  return monthSteps.get(key) ?? remember(monthSteps, key, monthsAfter(date, months));
}

function monthsAfter(date: LocalDate, months: number): LocalDate {
  const [y, m, d] = date.split('-').map(Number);
  const index = y * 12 + (m - 1) + months;
  const year = Math.floor(index / 12);
  const month = index - year * 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(Date.UTC(year, month, Math.min(d, lastDay))).toISOString().slice(0, 10);
}

/** Whole months from `from` to `to` counted on year and month only. */
export function monthsBetween(from: LocalDate, to: LocalDate): number {
  return (Number(to.slice(0, 4)) - Number(from.slice(0, 4))) * 12 + (Number(to.slice(5, 7)) - Number(from.slice(5, 7)));
}

/** Checks a LocalDate (a real calendar day) and returns it; INVALID_INPUT naming `field` otherwise. */
export function parseLocalDate(value: unknown, field: string): LocalDate {
  const m = typeof value === 'string' ? LOCAL_DATE_PATTERN.exec(value) : null;
  if (!m || fromDayNumber(dayNumber(value as string)) !== value) {
    throw new ComputeError(
      ComputeErrorCode.INVALID_INPUT,
      `${field}: expected a calendar date 'YYYY-MM-DD', got ${JSON.stringify(value)}`,
      field,
    );
  }
  return value as string;
}

/** Checks an ISO 8601 instant with an explicit offset and returns its epoch milliseconds. */
export function parseInstant(value: unknown, field: string): number {
  const ms = typeof value === 'string' && INSTANT_PATTERN.test(value) ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) {
    throw new ComputeError(
      ComputeErrorCode.INVALID_INPUT,
      `${field}: expected an ISO 8601 instant with an offset like '2026-10-25T23:30:00Z', got ${JSON.stringify(value)}`,
      field,
    );
  }
  return ms;
}

/** Checks an IANA zone name against the runtime's time zone data. */
export function checkTimeZone(zone: unknown, field: string): string {
  if (typeof zone !== 'string' || zone.length === 0) {
    throw new ComputeError(ComputeErrorCode.INVALID_TIME_ZONE, `${field}: expected an IANA time zone like 'Europe/Paris'`, field);
  }
  try {
    formatterFor(zone);
  } catch {
    throw new ComputeError(ComputeErrorCode.INVALID_TIME_ZONE, `${field}: '${zone}' is not an IANA time zone`, field);
  }
  return zone;
}

/**
 * The calendar date in `zone` of an instant (epoch ms): 2026-10-25T23:30Z is 2026-10-26 in Europe/Paris.
 * Memoised per zone and quarter of an hour: UTC offsets and their changes are whole quarters of an
 * hour in every zone's rules since 1979, so a local midnight, and a DST change, never falls inside one.
 */
export function localDateOf(epochMs: number, zone: string): LocalDate {
  const key = `${zone}|${Math.floor(epochMs / QUARTER_HOUR_MS)}`;
  return localDates.get(key) ?? remember(localDates, key, formatLocalDate(epochMs, zone));
}

const QUARTER_HOUR_MS = 900_000;
const localDates = new Map<string, LocalDate>();

function formatLocalDate(epochMs: number, zone: string): LocalDate {
  const parts = formatterFor(zone).formatToParts(epochMs);
  const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(zone, formatter);
  }
  return formatter;
}
