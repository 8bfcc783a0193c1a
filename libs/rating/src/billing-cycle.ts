/**
 * Billing cycle id of an instant: the cycle starting on `cycleDay` of a month, in the account's
 * time zone, is named by that month ("2026-11"). The engine resets tier usage when the id changes.
 * A cycle day beyond the month's last day starts that month's cycle on its last day.
 */

/** Time zones whose formatter is kept; accounts use a handful, this only bounds a misuse. */
const TIME_ZONE_FORMATTERS_MAX = 256;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' });
    if (formatters.size >= TIME_ZONE_FORMATTERS_MAX) formatters.clear();
    formatters.set(timeZone, f);
  }
  return f;
}

/** Year, month (1-12) and day of `atMs` in `timeZone`. Throws RangeError for an unknown zone. */
export function localDate(atMs: number, timeZone: string): { year: number; month: number; day: number } {
  const { year, month, day } = memoisedLocalDate(atMs, timeZone);
  return { year, month, day };
}

function formattedLocalDate(atMs: number, timeZone: string): { year: number; month: number; day: number } {
  const parts = formatterFor(timeZone).formatToParts(new Date(atMs));
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day') };
}

/**
 * formatToParts costs microseconds and every request asks for it, nearly always for the same few
 * zones and the same minute. The local date can only change where local midnight or a UTC-offset
 * change falls, and since MEMO_FROM_MS every IANA offset and transition is a whole number of
 * minutes: both fall on a whole UTC minute, so the local date is the same throughout one UTC
 * minute. Hence one remembered (minute, date) per zone answers exactly what formatToParts would;
 * instants before MEMO_FROM_MS (seconds offsets of local mean time) are always formatted.
 */
const MEMO_FROM_MS = Date.UTC(1973, 0, 1);
const MINUTE_MS = 60_000;

class MemoisedDay {
  /** The last cycle id asked for on this date, and its cycle day (0: none yet). */
  cycleDay = 0;
  cycleId = '';

  constructor(
    public minute: number,
    public year: number,
    public month: number,
    public day: number,
  ) {}
}

const lastDays = new Map<string, MemoisedDay>();

function memoisedLocalDate(atMs: number, timeZone: string): { year: number; month: number; day: number } {
  if (!(atMs >= MEMO_FROM_MS)) return formattedLocalDate(atMs, timeZone);
  const minute = Math.floor(atMs / MINUTE_MS);
  const hit = lastDays.get(timeZone);
  if (hit !== undefined && hit.minute === minute) return hit;
  const { year, month, day } = formattedLocalDate(atMs, timeZone);
  if (hit !== undefined) {
    if (hit.year !== year || hit.month !== month || hit.day !== day) {
      hit.year = year;
      hit.month = month;
      hit.day = day;
      hit.cycleDay = 0;
    }
    hit.minute = minute;
    return hit;
  }
  const memo = new MemoisedDay(minute, year, month, day);
  // Same bound as the formatters: a zone only gets here once its formatter exists.
  if (lastDays.size >= TIME_ZONE_FORMATTERS_MAX) lastDays.clear();
  lastDays.set(timeZone, memo);
  return memo;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export function cycleIdAt(atMs: number, timeZone: string, cycleDay: number): string {
  if (!Number.isInteger(cycleDay) || cycleDay < 1 || cycleDay > 31) throw new RangeError(`cycleDay must be 1..31, got ${cycleDay}`);
  const date = memoisedLocalDate(atMs, timeZone);
  // The id depends only on the local date and the cycle day: the memo of the date keeps the last one.
  if (date instanceof MemoisedDay && date.cycleDay === cycleDay) return date.cycleId;
  const { year, month, day } = date;
  const startDay = Math.min(cycleDay, daysInMonth(year, month));
  const [y, m] = day >= startDay ? [year, month] : month === 1 ? [year - 1, 12] : [year, month - 1];
  const id = `${y}-${String(m).padStart(2, '0')}`;
  if (date instanceof MemoisedDay) {
    date.cycleDay = cycleDay;
    date.cycleId = id;
  }
  return id;
}
