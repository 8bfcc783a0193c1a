import { cycleIdAt, localDate } from './billing-cycle';

describe('cycleIdAt', () => {
  it('names the cycle by the month it starts in, in the account time zone', () => {
    // 2026-11-01 00:30 in Berlin is 2026-10-31 23:30 UTC.
    expect(cycleIdAt(Date.UTC(2026, 9, 31, 23, 30), 'Europe/Berlin', 1)).toBe('2026-11');
    expect(cycleIdAt(Date.UTC(2026, 9, 31, 23, 30), 'UTC', 1)).toBe('2026-10');
  });

  it('belongs to the previous month before the cycle day', () => {
    expect(cycleIdAt(Date.UTC(2026, 10, 14, 12), 'UTC', 15)).toBe('2026-10');
    expect(cycleIdAt(Date.UTC(2026, 10, 15, 0), 'UTC', 15)).toBe('2026-11');
    expect(cycleIdAt(Date.UTC(2026, 0, 3), 'UTC', 5)).toBe('2025-12');
  });

  it('starts on the last day of a month shorter than the cycle day', () => {
    expect(cycleIdAt(Date.UTC(2027, 1, 28, 12), 'UTC', 31)).toBe('2027-02');
    expect(cycleIdAt(Date.UTC(2027, 1, 27, 12), 'UTC', 31)).toBe('2027-01');
  });

  it('refuses a cycle day out of range', () => {
    expect(() => cycleIdAt(0, 'UTC', 0)).toThrow(RangeError);
  });
});

describe('cycleIdAt memoised per zone and UTC minute', () => {
  /** What cycleIdAt answered before the memo: formatToParts on every call. */
  const referenceFormatters = new Map<string, Intl.DateTimeFormat>();
  function reference(atMs: number, timeZone: string, cycleDay: number): string {
    let f = referenceFormatters.get(timeZone);
    if (!f) {
      f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' });
      referenceFormatters.set(timeZone, f);
    }
    const parts = f.formatToParts(new Date(atMs));
    const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
    const [year, month, day] = [get('year'), get('month'), get('day')];
    const startDay = Math.min(cycleDay, new Date(Date.UTC(year, month, 0)).getUTCDate());
    const [y, m] = day >= startDay ? [year, month] : month === 1 ? [year - 1, 12] : [year, month - 1];
    return `${y}-${String(m).padStart(2, '0')}`;
  }

  const zones = [
    'UTC',
    'Europe/Berlin',
    'America/New_York',
    'Asia/Kathmandu',
    'Australia/Lord_Howe',
    'Pacific/Chatham',
    'America/St_Johns',
  ];

  it('agrees with formatToParts every 13 s around local midnights, month ends and DST changes', () => {
    const windows = [
      Date.UTC(2026, 2, 29, 0, 0), // EU spring forward (01:00 UTC)
      Date.UTC(2026, 9, 25, 0, 0), // EU fall back
      Date.UTC(2026, 2, 8, 6, 0), // US spring forward
      Date.UTC(2026, 10, 1, 5, 0), // US fall back
      Date.UTC(2026, 3, 4, 14, 0), // Lord Howe half-hour change
      Date.UTC(2026, 10, 30, 18, 0), // month end, east of UTC
      Date.UTC(2026, 11, 31, 23, 0), // year end
    ];
    const mismatches: string[] = [];
    for (const start of windows) {
      for (let ms = start - 2 * 3_600_000; ms < start + 2 * 3_600_000; ms += 13_000) {
        // Zones interleaved, so the memo is replaced and hit in every order.
        for (const zone of zones) {
          for (const cycleDay of [1, 15, 31]) {
            if (cycleIdAt(ms, zone, cycleDay) !== reference(ms, zone, cycleDay)) mismatches.push(`${zone} ${cycleDay} ${ms}`);
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('is exact on both sides of a local midnight within consecutive minutes, and for old instants', () => {
    const midnightBerlin = Date.UTC(2026, 10, 30, 23, 0); // 2026-12-01 00:00 in Berlin
    expect(cycleIdAt(midnightBerlin - 1, 'Europe/Berlin', 1)).toBe('2026-11');
    expect(cycleIdAt(midnightBerlin, 'Europe/Berlin', 1)).toBe('2026-12');
    expect(cycleIdAt(midnightBerlin - 1, 'Europe/Berlin', 1)).toBe('2026-11');
    expect(localDate(midnightBerlin + 59_999, 'Europe/Berlin')).toEqual({ year: 2026, month: 12, day: 1 });
    // Before 1973 (local mean time, offsets in seconds): always formatted.
    const monrovia = Date.UTC(1970, 0, 1, 0, 44, 30);
    expect(cycleIdAt(monrovia, 'Africa/Monrovia', 1)).toBe(reference(monrovia, 'Africa/Monrovia', 1));
    expect(cycleIdAt(monrovia - 1_000, 'Africa/Monrovia', 1)).toBe(reference(monrovia - 1_000, 'Africa/Monrovia', 1));
  });

  it('still refuses an invalid instant or zone after a memoised answer', () => {
    expect(cycleIdAt(Date.UTC(2026, 10, 1), 'UTC', 1)).toBe('2026-11');
    expect(() => cycleIdAt(Number.NaN, 'UTC', 1)).toThrow(RangeError);
    expect(() => cycleIdAt(Date.UTC(2026, 10, 1), 'Not/AZone', 1)).toThrow(RangeError);
  });
});
