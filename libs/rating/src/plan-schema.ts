/** The structural (zod) half of price-plan validation; cross-references are checked in parse-price-plan.ts. */
import { z } from 'zod';
import {
  ID_PATTERN,
  BAND_WINDOWS_MAX,
  DECIMAL_TEXT_MAX_LENGTH,
  INCREMENT_UNITS_MAX,
  NAME_MAX_LENGTH,
  PER_UNITS_MAX,
  PLAN_ELEMENTS_MAX,
  PLAN_VERSION_MAX,
  PLAN_ZONES_MAX,
  PREFIX_MAX_LENGTH,
  PRICE_TIERS_MAX,
  RATING_GROUP_MAX,
  SERVICE_ID_MAX,
  TIME_BANDS_MAX,
  ZONE_PREFIXES_MAX,
} from './limits';
import { WEEKDAYS } from './price-plan';

const id = z.string().regex(ID_PATTERN, `must match ${ID_PATTERN.source}`);
const name = z.string().min(1).max(NAME_MAX_LENGTH);
const decimalText = z.string().max(DECIMAL_TEXT_MAX_LENGTH);
const clockTime = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'must be "HH:MM" from "00:00" to "24:00"');
const prefix = z.string().regex(new RegExp(`^\\d{1,${PREFIX_MAX_LENGTH}}$`), `must be 1 to ${PREFIX_MAX_LENGTH} digits`);
const count = (max: number) => z.number().int().min(1).max(max);

const timeWindow = z.strictObject({
  days: z.array(z.enum(WEEKDAYS)).min(1).max(WEEKDAYS.length),
  from: clockTime,
  to: clockTime,
});

const timeBand = z.strictObject({
  id,
  name: name.optional(),
  windows: z.array(timeWindow).min(1).max(BAND_WINDOWS_MAX),
});

const zone = z.strictObject({
  id,
  name: name.optional(),
  prefixes: z.array(prefix).min(1).max(ZONE_PREFIXES_MAX),
});

const tier = z.strictObject({
  fromUnits: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  price: decimalText,
});

const element = z.strictObject({
  id,
  name: name.optional(),
  ratingGroup: z.number().int().min(0).max(RATING_GROUP_MAX).optional(),
  serviceId: z.number().int().min(0).max(SERVICE_ID_MAX).optional(),
  zones: z.array(id).min(1).max(PLAN_ZONES_MAX).optional(),
  timeBands: z.array(id).min(1).max(TIME_BANDS_MAX).optional(),
  roaming: z.boolean().optional(),
  unit: z.enum(['SECONDS', 'BYTES', 'EVENTS']),
  setupFee: decimalText.optional(),
  price: decimalText.optional(),
  tiers: z.array(tier).min(1).max(PRICE_TIERS_MAX).optional(),
  per: count(PER_UNITS_MAX),
  firstUnits: count(INCREMENT_UNITS_MAX),
  nextUnits: count(INCREMENT_UNITS_MAX),
});

export const pricePlanSchema = z.strictObject({
  id,
  version: z.number().int().min(1).max(PLAN_VERSION_MAX),
  name,
  currency: z.string(),
  description: z
    .string()
    .max(NAME_MAX_LENGTH * 10)
    .optional(),
  zones: z.array(zone).max(PLAN_ZONES_MAX).default([]),
  timeBands: z.array(timeBand).max(TIME_BANDS_MAX).default([]),
  elements: z.array(element).min(1).max(PLAN_ELEMENTS_MAX),
});
