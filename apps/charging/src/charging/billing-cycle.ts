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
  const parts = formatterFor(timeZone).formatToParts(new Date(atMs));
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day') };
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export function cycleIdAt(atMs: number, timeZone: string, cycleDay: number): string {
  if (!Number.isInteger(cycleDay) || cycleDay < 1 || cycleDay > 31) throw new RangeError(`cycleDay must be 1..31, got ${cycleDay}`);
  const { year, month, day } = localDate(atMs, timeZone);
  const startDay = Math.min(cycleDay, daysInMonth(year, month));
  const [y, m] = day >= startDay ? [year, month] : month === 1 ? [year - 1, 12] : [year, month - 1];
  return `${y}-${String(m).padStart(2, '0')}`;
}
