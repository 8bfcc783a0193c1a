import { compileRate, localTimeAt, parsePricePlan, type RatingContext, selectRate, WeeklySchedule } from '@app/rating';
import { at, basePlanJson } from './test/fixtures';

const plan = parsePricePlan(basePlanJson());

function national(atMs: number, timeZone: string): RatingContext {
  return { ratingGroup: 10, serviceId: 0, calledNumber: '33412345678', atMs, timeZone, roaming: false };
}

/** Bands NIGHT 00:00-02:30 and DAY 02:30-24:00 every day, each with its own voice price: an edge inside the DST hours. */
const nightDay = parsePricePlan({
  id: 'night-day',
  version: 1,
  name: 'Night/day',
  currency: 'EUR',
  timeBands: [
    { id: 'NIGHT', windows: [{ days: ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'], from: '00:00', to: '02:30' }] },
    { id: 'DAY', windows: [{ days: ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'], from: '02:30', to: '24:00' }] },
  ],
  elements: [
    { id: 'night', ratingGroup: 10, timeBands: ['NIGHT'], unit: 'SECONDS', price: '0.01', per: 60, firstUnits: 1, nextUnits: 1 },
    { id: 'day', ratingGroup: 10, timeBands: ['DAY'], unit: 'SECONDS', price: '0.10', per: 60, firstUnits: 1, nextUnits: 1 },
    { id: 'data-night', ratingGroup: 20, timeBands: ['NIGHT'], unit: 'BYTES', price: '0', per: 1, firstUnits: 1, nextUnits: 1 },
    { id: 'data-day', ratingGroup: 20, timeBands: ['DAY'], unit: 'BYTES', price: '0.01', per: 1048576, firstUnits: 1, nextUnits: 1 },
  ],
});

describe('time bands in the account time zone', () => {
  it.each<[string, string, string, string, string, string]>([
    // [name, instant, zone, band, element, next change]
    ['Monday noon in Paris', '2025-01-06T11:00:00Z', 'Europe/Paris', 'PEAK', 'voice-peak', '2025-01-06T19:00:00Z'],
    ['30 s before peak in Paris', '2025-01-06T06:59:30Z', 'Europe/Paris', 'OFFPEAK', 'voice-offpeak', '2025-01-06T07:00:00Z'],
    ['exactly at the start of peak', '2025-01-06T07:00:00Z', 'Europe/Paris', 'PEAK', 'voice-peak', '2025-01-06T19:00:00Z'],
    ['the last ms of peak', '2025-01-06T18:59:59.999Z', 'Europe/Paris', 'PEAK', 'voice-peak', '2025-01-06T19:00:00Z'],
    [
      'Friday evening: off-peak runs through the weekend (same element)',
      '2025-01-10T20:00:00Z',
      'Europe/Paris',
      'OFFPEAK',
      'voice-offpeak',
      '2025-01-13T07:00:00Z',
    ],
    ['Saturday in Paris is WEEKEND', '2025-01-11T11:00:00Z', 'Europe/Paris', 'WEEKEND', 'voice-offpeak', '2025-01-13T07:00:00Z'],
    [
      'Saturday 03:00 UTC is still Friday evening in New York',
      '2025-01-11T03:00:00Z',
      'America/New_York',
      'OFFPEAK',
      'voice-offpeak',
      '2025-01-13T13:00:00Z',
    ],
    [
      'Friday 23:30 UTC is Saturday morning in Tokyo',
      '2025-01-10T23:30:00Z',
      'Asia/Tokyo',
      'WEEKEND',
      'voice-offpeak',
      '2025-01-12T23:00:00Z',
    ],
    ['a half-hour offset: 07:30 in Kolkata', '2025-01-06T02:00:00Z', 'Asia/Kolkata', 'OFFPEAK', 'voice-offpeak', '2025-01-06T02:30:00Z'],
    ['UTC itself', '2025-01-06T07:59:59Z', 'UTC', 'OFFPEAK', 'voice-offpeak', '2025-01-06T08:00:00Z'],
    ['summer time (CEST, UTC+2)', '2025-07-07T10:00:00Z', 'Europe/Paris', 'PEAK', 'voice-peak', '2025-07-07T18:00:00Z'],
    [
      'DST starts on the weekend: Monday peak begins at 08:00 CEST',
      '2025-03-29T23:30:00Z',
      'Europe/Paris',
      'WEEKEND',
      'voice-offpeak',
      '2025-03-31T06:00:00Z',
    ],
    [
      'DST ends on the weekend: Monday peak begins at 08:00 CET',
      '2025-10-25T10:00:00Z',
      'Europe/Paris',
      'WEEKEND',
      'voice-offpeak',
      '2025-10-27T07:00:00Z',
    ],
    ['US DST starts on a Sunday', '2025-03-08T17:00:00Z', 'America/New_York', 'WEEKEND', 'voice-offpeak', '2025-03-10T12:00:00Z'],
  ])('%s', (_name, instant, zone, band, elementId, change) => {
    const selection = selectRate(plan, national(at(instant), zone));
    expect(selection.timeBand).toBe(band);
    expect(selection.element.id).toBe(elementId);
    expect(selection.rate.tariffChangeAtMs).toBe(at(change));
  });

  it.each<[string, string, string, string]>([
    // [name, instant, element, next change]
    ['a band edge inside the skipped hour takes effect when DST starts', '2025-03-29T23:30:00Z', 'night', '2025-03-30T01:00:00Z'],
    ['the day after DST started', '2025-03-31T00:00:00Z', 'night', '2025-03-31T00:30:00Z'],
    ['the first 02:40 (CEST) of the repeated hour', '2025-10-26T00:40:00Z', 'day', '2025-10-26T01:00:00Z'],
    ['02:00 CET again: night until the second 02:30', '2025-10-26T01:00:00Z', 'night', '2025-10-26T01:30:00Z'],
    ['after the repeated hour', '2025-10-26T01:30:00Z', 'day', '2025-10-26T23:00:00Z'],
  ])('DST change day in Paris: %s', (_name, instant, elementId, change) => {
    const selection = selectRate(nightDay, { ratingGroup: 10, serviceId: 0, atMs: at(instant), timeZone: 'Europe/Paris', roaming: false });
    expect(selection.element.id).toBe(elementId);
    expect(selection.rate.tariffChangeAtMs).toBe(at(change));
  });

  it('rates BYTES at the band in force but sets no tariff change', () => {
    const rate = compileRate(nightDay, {
      ratingGroup: 20,
      serviceId: 0,
      atMs: at('2025-01-06T00:00:00Z'),
      timeZone: 'Europe/Paris',
      roaming: false,
    });
    expect(rate.tariffId).toBe('night-day:1:data-night');
    expect(rate.tariffChangeAtMs).toBeUndefined();
  });
});

describe('WeeklySchedule', () => {
  const schedule = new WeeklySchedule(plan.timeBands);
  const MON = 0;
  const FRI = 4 * 1440;
  const SAT = 5 * 1440;
  const SUN = 6 * 1440;

  it.each<[number, string | undefined]>([
    [MON + 0, 'OFFPEAK'],
    [MON + 8 * 60 - 1, 'OFFPEAK'],
    [MON + 8 * 60, 'PEAK'],
    [MON + 20 * 60 - 1, 'PEAK'],
    [MON + 20 * 60, 'OFFPEAK'],
    [FRI + 23 * 60 + 59, 'OFFPEAK'],
    [SAT, 'WEEKEND'],
    [SUN + 23 * 60 + 59, 'WEEKEND'],
  ])('minute %p of the week is %p', (minute, band) => {
    expect(schedule.bandAt(minute)).toBe(band);
  });

  it('gives precedence to the band listed first where windows overlap', () => {
    const overlapping = new WeeklySchedule([
      { id: 'HOLIDAY', windows: [{ days: ['MON'], from: '10:00', to: '12:00' }] },
      { id: 'PEAK', windows: [{ days: ['MON'], from: '08:00', to: '20:00' }] },
    ]);
    expect([9 * 60, 10 * 60, 11 * 60 + 59, 12 * 60].map((m) => overlapping.bandAt(m))).toEqual(['PEAK', 'HOLIDAY', 'HOLIDAY', 'PEAK']);
    expect(overlapping.bandAt(21 * 60)).toBeUndefined();
  });

  it('has no band and no edge without bands', () => {
    const empty = new WeeklySchedule([]);
    expect(empty.bandAt(100)).toBeUndefined();
    expect(empty.minutesToNextEdgeWhere(100, () => true)).toBeUndefined();
  });
});

describe('localTimeAt', () => {
  it.each<[string, string, number, number]>([
    // [instant, zone, offset hours, minute of week]
    ['2025-01-06T00:00:00Z', 'UTC', 0, 0],
    ['2025-01-05T23:00:00Z', 'Europe/Paris', 1, 0],
    ['2025-07-06T22:00:00Z', 'Europe/Paris', 2, 0],
    ['2025-01-06T00:00:00Z', 'America/New_York', -5, 6 * 1440 + 19 * 60],
    ['2025-01-06T00:00:00Z', 'Asia/Kolkata', 5.5, 5 * 60 + 30],
  ])('%s in %s', (instant, zone, offsetHours, minuteOfWeek) => {
    const local = localTimeAt(at(instant), zone);
    expect(local.offsetMs).toBe(offsetHours * 3_600_000);
    expect(local.minuteOfWeek).toBe(minuteOfWeek);
  });

  it('keeps seconds and ms within the minute', () => {
    expect(localTimeAt(at('2025-01-06T10:20:30.456Z'), 'UTC').msIntoMinute).toBe(30_456);
  });
});
