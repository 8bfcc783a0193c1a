/**
 * Demo price plans for seed data and load tests (EUR). Rating groups follow `RatingGroups`:
 * 10 voice (SECONDS), 20 data (BYTES), 30 SMS (EVENTS), 40 content (EVENTS).
 * Called numbers are E.164 digits; the zones use French numbering as "national".
 */
import { parsePricePlan } from './parse-price-plan';
import type { PricePlan } from './price-plan';
import { RatingGroups } from './rating-groups';

const MB = 1_048_576;
const GB = 1_073_741_824;
const { VOICE, DATA, SMS, CONTENT } = RatingGroups;

const EU_PREFIXES = ['30', '31', '32', '34', '351', '352', '353', '39', '40', '43', '45', '46', '48', '49'];
const WORLD_PREFIXES = ['1', '20', '27', '41', '44', '52', '55', '61', '7', '81', '86', '91'];

/** Prepaid mobile: voice by zone with peak/off-peak/weekend, tiered data in 1 MB blocks, SMS, content, roaming. */
export const DEMO_PREPAID_PLAN: PricePlan = parsePricePlan({
  id: 'ratel-prepaid-mobile',
  version: 1,
  name: 'Ratel Prepaid Mobile',
  currency: 'EUR',
  description: 'Pay as you go. Voice per minute by zone and time band, data per MB with volume tiers, SMS per message.',
  zones: [
    { id: 'NATIONAL', name: 'France', prefixes: ['33'] },
    { id: 'NATIONAL_MOBILE', name: 'French mobiles', prefixes: ['336', '337'] },
    { id: 'PREMIUM', name: 'Premium numbers', prefixes: ['3389'] },
    { id: 'EU', name: 'European Union', prefixes: EU_PREFIXES },
    { id: 'WORLD', name: 'Rest of the world', prefixes: WORLD_PREFIXES },
  ],
  timeBands: [
    { id: 'WEEKEND', windows: [{ days: ['SAT', 'SUN'], from: '00:00', to: '24:00' }] },
    { id: 'PEAK', windows: [{ days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], from: '08:00', to: '20:00' }] },
    {
      id: 'OFFPEAK',
      windows: [
        { days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], from: '00:00', to: '08:00' },
        { days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], from: '20:00', to: '24:00' },
      ],
    },
  ],
  elements: [
    {
      id: 'voice-national-peak',
      ratingGroup: VOICE,
      zones: ['NATIONAL', 'NATIONAL_MOBILE'],
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
      id: 'voice-national-offpeak',
      ratingGroup: VOICE,
      zones: ['NATIONAL', 'NATIONAL_MOBILE'],
      timeBands: ['OFFPEAK', 'WEEKEND'],
      roaming: false,
      unit: 'SECONDS',
      setupFee: '0.05',
      price: '0.06',
      per: 60,
      firstUnits: 30,
      nextUnits: 6,
    },
    {
      id: 'voice-premium',
      ratingGroup: VOICE,
      zones: ['PREMIUM'],
      roaming: false,
      unit: 'SECONDS',
      price: '1.50',
      per: 60,
      firstUnits: 60,
      nextUnits: 60,
    },
    {
      id: 'voice-eu',
      ratingGroup: VOICE,
      zones: ['EU'],
      roaming: false,
      unit: 'SECONDS',
      setupFee: '0.10',
      price: '0.25',
      per: 60,
      firstUnits: 60,
      nextUnits: 60,
    },
    {
      id: 'voice-world',
      ratingGroup: VOICE,
      zones: ['WORLD'],
      roaming: false,
      unit: 'SECONDS',
      setupFee: '0.15',
      price: '0.90',
      per: 60,
      firstUnits: 60,
      nextUnits: 60,
    },
    {
      id: 'voice-roaming',
      ratingGroup: VOICE,
      roaming: true,
      unit: 'SECONDS',
      setupFee: '0.20',
      price: '0.45',
      per: 60,
      firstUnits: 60,
      nextUnits: 60,
    },
    {
      id: 'data-home',
      ratingGroup: DATA,
      roaming: false,
      unit: 'BYTES',
      tiers: [
        { fromUnits: 0, price: '0.01' },
        { fromUnits: GB, price: '0.005' },
        { fromUnits: 5 * GB, price: '0.002' },
      ],
      per: MB,
      firstUnits: MB,
      nextUnits: MB,
    },
    {
      id: 'data-roaming',
      ratingGroup: DATA,
      roaming: true,
      unit: 'BYTES',
      price: '0.05',
      per: MB,
      firstUnits: 102_400,
      nextUnits: 102_400,
    },
    { id: 'sms-home', ratingGroup: SMS, roaming: false, unit: 'EVENTS', price: '0.05', per: 1, firstUnits: 1, nextUnits: 1 },
    { id: 'sms-roaming', ratingGroup: SMS, roaming: true, unit: 'EVENTS', price: '0.15', per: 1, firstUnits: 1, nextUnits: 1 },
    { id: 'content-game', ratingGroup: CONTENT, serviceId: 4001, unit: 'EVENTS', price: '2.99', per: 1, firstUnits: 1, nextUnits: 1 },
    { id: 'content-music', ratingGroup: CONTENT, serviceId: 4002, unit: 'EVENTS', price: '0.49', per: 1, firstUnits: 1, nextUnits: 1 },
    { id: 'content-default', ratingGroup: CONTENT, unit: 'EVENTS', price: '0.99', per: 1, firstUnits: 1, nextUnits: 1 },
  ],
});

/** Postpaid business: per-second voice by zone (no time bands), data in 1 KB blocks with tiers, SMS. */
export const DEMO_POSTPAID_PLAN: PricePlan = parsePricePlan({
  id: 'ratel-postpaid-business',
  version: 1,
  name: 'Ratel Business Postpaid',
  currency: 'EUR',
  description: 'Invoiced monthly. Per-second voice after the first minute abroad, data per KB with volume tiers.',
  zones: [
    { id: 'NATIONAL', name: 'France', prefixes: ['33'] },
    { id: 'EU', name: 'European Union', prefixes: EU_PREFIXES },
    { id: 'WORLD', name: 'Rest of the world', prefixes: WORLD_PREFIXES },
  ],
  elements: [
    {
      id: 'voice-national',
      ratingGroup: VOICE,
      zones: ['NATIONAL'],
      roaming: false,
      unit: 'SECONDS',
      price: '0.12',
      per: 60,
      firstUnits: 1,
      nextUnits: 1,
    },
    {
      id: 'voice-eu',
      ratingGroup: VOICE,
      zones: ['EU'],
      roaming: false,
      unit: 'SECONDS',
      price: '0.15',
      per: 60,
      firstUnits: 60,
      nextUnits: 1,
    },
    {
      id: 'voice-world',
      ratingGroup: VOICE,
      zones: ['WORLD'],
      roaming: false,
      unit: 'SECONDS',
      setupFee: '0.10',
      price: '0.60',
      per: 60,
      firstUnits: 60,
      nextUnits: 1,
    },
    { id: 'voice-roaming', ratingGroup: VOICE, roaming: true, unit: 'SECONDS', price: '0.30', per: 60, firstUnits: 30, nextUnits: 1 },
    {
      id: 'data-home',
      ratingGroup: DATA,
      roaming: false,
      unit: 'BYTES',
      tiers: [
        { fromUnits: 0, price: '0.002' },
        { fromUnits: 10 * GB, price: '0.001' },
        { fromUnits: 50 * GB, price: '0.0005' },
      ],
      per: MB,
      firstUnits: 1024,
      nextUnits: 1024,
    },
    { id: 'data-roaming', ratingGroup: DATA, roaming: true, unit: 'BYTES', price: '0.01', per: MB, firstUnits: 1024, nextUnits: 1024 },
    { id: 'sms-home', ratingGroup: SMS, roaming: false, unit: 'EVENTS', price: '0.03', per: 1, firstUnits: 1, nextUnits: 1 },
    { id: 'sms-roaming', ratingGroup: SMS, roaming: true, unit: 'EVENTS', price: '0.10', per: 1, firstUnits: 1, nextUnits: 1 },
    { id: 'content-default', ratingGroup: CONTENT, unit: 'EVENTS', price: '0.99', per: 1, firstUnits: 1, nextUnits: 1 },
  ],
});

/**
 * Flat plan for load tests: no zones, bands or tiers, so expected balances are easy to compute
 * (voice 0.10 per started minute, data 0.01 per started MB, SMS 0.05, content 1.00).
 */
export const DEMO_LOADTEST_PLAN: PricePlan = parsePricePlan({
  id: 'ratel-loadtest-flat',
  version: 1,
  name: 'Ratel Load Test Flat',
  currency: 'EUR',
  elements: [
    { id: 'voice', ratingGroup: VOICE, unit: 'SECONDS', price: '0.10', per: 60, firstUnits: 60, nextUnits: 60 },
    { id: 'data', ratingGroup: DATA, unit: 'BYTES', price: '0.01', per: MB, firstUnits: MB, nextUnits: MB },
    { id: 'sms', ratingGroup: SMS, unit: 'EVENTS', price: '0.05', per: 1, firstUnits: 1, nextUnits: 1 },
    { id: 'content', ratingGroup: CONTENT, unit: 'EVENTS', price: '1.00', per: 1, firstUnits: 1, nextUnits: 1 },
  ],
});

export const DEMO_PLANS: readonly PricePlan[] = Object.freeze([DEMO_PREPAID_PLAN, DEMO_POSTPAID_PLAN, DEMO_LOADTEST_PLAN]);
