/**
 * Fixtures of the CDR specs: a postpaid price plan with time bands (Europe/Paris), CSV builders
 * and the expected amount of a record computed with `rateUsage` directly.
 */
import { parsePricePlan, PricePlan, rateUsage } from '@app/rating';
import { CDR_HEADERS, CdrRecord } from '../cdr-formats';

const WEEKDAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI'];

export const TEST_PLAN_ID = 'cdr-test-postpaid';
export const TEST_TIME_ZONE = 'Europe/Paris';

export const TEST_PLAN_JSON = JSON.stringify({
  id: TEST_PLAN_ID,
  version: 3,
  name: 'CDR test postpaid',
  currency: 'EUR',
  zones: [
    { id: 'NATIONAL', prefixes: ['33'] },
    { id: 'MOBILE', prefixes: ['336', '337'] },
  ],
  timeBands: [
    { id: 'WEEKEND', windows: [{ days: ['SAT', 'SUN'], from: '00:00', to: '24:00' }] },
    { id: 'PEAK', windows: [{ days: WEEKDAYS, from: '08:00', to: '20:00' }] },
    {
      id: 'OFFPEAK',
      windows: [
        { days: WEEKDAYS, from: '00:00', to: '08:00' },
        { days: WEEKDAYS, from: '20:00', to: '24:00' },
      ],
    },
  ],
  elements: [
    {
      id: 'voice-peak',
      ratingGroup: 10,
      zones: ['NATIONAL', 'MOBILE'],
      timeBands: ['PEAK'],
      roaming: false,
      unit: 'SECONDS',
      setupFee: '0.05',
      price: '0.12',
      per: 60,
      firstUnits: 30,
      nextUnits: 6,
    },
    {
      id: 'voice-offpeak',
      ratingGroup: 10,
      zones: ['NATIONAL', 'MOBILE'],
      timeBands: ['OFFPEAK', 'WEEKEND'],
      roaming: false,
      unit: 'SECONDS',
      price: '0.03',
      per: 60,
      firstUnits: 30,
      nextUnits: 6,
    },
    { id: 'voice-roaming', ratingGroup: 10, roaming: true, unit: 'SECONDS', price: '0.50', per: 60, firstUnits: 60, nextUnits: 60 },
    { id: 'data-home', ratingGroup: 20, roaming: false, unit: 'BYTES', price: '0.002', per: 1048576, firstUnits: 1024, nextUnits: 1024 },
    { id: 'data-roaming', ratingGroup: 20, roaming: true, unit: 'BYTES', price: '0.01', per: 1048576, firstUnits: 1024, nextUnits: 1024 },
    { id: 'sms', ratingGroup: 30, unit: 'EVENTS', price: '0.05', per: 1, firstUnits: 1, nextUnits: 1 },
  ],
});

export const TEST_PLAN: PricePlan = parsePricePlan(JSON.parse(TEST_PLAN_JSON) as unknown);

/** What `rateUsage` charges for a record of an account in TEST_TIME_ZONE (the oracle of the specs). */
export function expectedMicros(r: CdrRecord): bigint {
  const { ratingGroup, serviceId, calledNumber, startMs, units, roaming } = r;
  return rateUsage(TEST_PLAN, {
    ratingGroup,
    serviceId,
    calledNumber,
    startMs,
    units,
    roaming,
    timeZone: TEST_TIME_ZONE,
    cycleUsedBefore: 0,
  }).amountMicros;
}

export function voiceCsv(lines: readonly string[]): string {
  return `${CDR_HEADERS.voice.join(',')}\n${lines.join('\n')}\n`;
}

export function dataCsv(lines: readonly string[]): string {
  return `${CDR_HEADERS.data.join(',')}\n${lines.join('\n')}\n`;
}
