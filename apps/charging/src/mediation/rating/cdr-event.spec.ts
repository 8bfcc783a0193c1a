import { cycleIdAt } from '@app/rating';
import { cachedCycleId, cdrEventId, cdrRecordIdentity } from './cdr-event';

describe('cachedCycleId', () => {
  it('agrees with cycleIdAt around local midnights, month ends and DST changes, in quarter-hour zones too', () => {
    const zones = ['Europe/Paris', 'Asia/Kathmandu', 'Australia/Eucla', 'America/St_Johns', 'Pacific/Chatham', 'UTC'];
    const starts = [Date.UTC(2026, 2, 28), Date.UTC(2026, 9, 24), Date.UTC(2026, 10, 29), Date.UTC(2026, 11, 31)];
    const mismatches: string[] = [];
    for (const timeZone of zones) {
      for (const cycleDay of [1, 15, 31]) {
        for (const start of starts) {
          // Every 5 minutes over 2 days: each quarter hour is hit several times, cached and not.
          for (let ms = start; ms < start + 2 * 86_400_000; ms += 300_000) {
            if (cachedCycleId(ms, timeZone, cycleDay) !== cycleIdAt(ms, timeZone, cycleDay))
              mismatches.push(`${timeZone} ${cycleDay} ${ms}`);
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
  });
});

describe('cdrEventId', () => {
  const r = { recordId: 'msc1-000001', subscriberId: '33612000101', startMs: Date.UTC(2026, 10, 20, 18, 58) };

  it('is the identity of the record: the same whatever file or line it was read from', () => {
    expect(cdrRecordIdentity('SECONDS', r)).toBe(`CDR|SECONDS|msc1-000001|33612000101|${r.startMs}`);
    expect(cdrEventId('SECONDS', { ...r })).toBe(cdrEventId('SECONDS', r));
    expect(cdrEventId('SECONDS', r)).toMatch(/^[0-9a-f]{40}$/);
  });

  it('differs when any identifying field differs (record id, subscriber, start, format)', () => {
    const ids = [
      cdrEventId('SECONDS', r),
      cdrEventId('SECONDS', { ...r, recordId: 'msc1-000002' }),
      cdrEventId('SECONDS', { ...r, subscriberId: '33612000102' }),
      cdrEventId('SECONDS', { ...r, startMs: r.startMs + 1 }),
      cdrEventId('BYTES', r),
    ];
    expect(new Set(ids).size).toBe(ids.length);
  });
});
