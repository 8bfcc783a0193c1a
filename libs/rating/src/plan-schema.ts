/** The structural (zod) half of price-plan validation; cross-references are checked in parse-price-plan.ts. */
import { z } from 'zod';
import {
  ID_PATTERN,
  MAX_BAND_WINDOWS,
  MAX_DECIMAL_TEXT_LENGTH,
  MAX_INCREMENT_UNITS,
  MAX_NAME_LENGTH,
  MAX_PER_UNITS,
  MAX_PLAN_ELEMENTS,
  MAX_PLAN_VERSION,
  MAX_PLAN_ZONES,
  MAX_PREFIX_LENGTH,
  MAX_PRICE_TIERS,
  MAX_RATING_GROUP,
  MAX_SERVICE_ID,
  MAX_TIME_BANDS,
  MAX_ZONE_PREFIXES,
} from './limits';
import { WEEKDAYS } from './price-plan';

const id = z.string().regex(ID_PATTERN, `must match ${ID_PATTERN.source}`);
const name = z.string().min(1).max(MAX_NAME_LENGTH);
const decimalText = z.string().max(MAX_DECIMAL_TEXT_LENGTH);
const clockTime = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'must be "HH:MM" from "00:00" to "24:00"');
const prefix = z.string().regex(new RegExp(`^\\d{1,${MAX_PREFIX_LENGTH}}$`), `must be 1 to ${MAX_PREFIX_LENGTH} digits`);
const count = (max: number) => z.number().int().min(1).max(max);

const timeWindow = z.strictObject({
  days: z.array(z.enum(WEEKDAYS)).min(1).max(WEEKDAYS.length),
  from: clockTime,
  to: clockTime,
});

const timeBand = z.strictObject({
  id,
  name: name.optional(),
  windows: z.array(timeWindow).min(1).max(MAX_BAND_WINDOWS),
});

const zone = z.strictObject({
  id,
  name: name.optional(),
  prefixes: z.array(prefix).min(1).max(MAX_ZONE_PREFIXES),
});

const tier = z.strictObject({
  fromUnits: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  price: decimalText,
});

const element = z.strictObject({
  id,
  name: name.optional(),
  ratingGroup: z.number().int().min(0).max(MAX_RATING_GROUP).optional(),
  serviceId: z.number().int().min(0).max(MAX_SERVICE_ID).optional(),
  zones: z.array(id).min(1).max(MAX_PLAN_ZONES).optional(),
  timeBands: z.array(id).min(1).max(MAX_TIME_BANDS).optional(),
  roaming: z.boolean().optional(),
  unit: z.enum(['SECONDS', 'BYTES', 'EVENTS']),
  setupFee: decimalText.optional(),
  price: decimalText.optional(),
  tiers: z.array(tier).min(1).max(MAX_PRICE_TIERS).optional(),
  per: count(MAX_PER_UNITS),
  firstUnits: count(MAX_INCREMENT_UNITS),
  nextUnits: count(MAX_INCREMENT_UNITS),
});

export const pricePlanSchema = z.strictObject({
  id,
  version: z.number().int().min(1).max(MAX_PLAN_VERSION),
  name,
  currency: z.string(),
  description: z
    .string()
    .max(MAX_NAME_LENGTH * 10)
    .optional(),
  zones: z.array(zone).max(MAX_PLAN_ZONES).default([]),
  timeBands: z.array(timeBand).max(MAX_TIME_BANDS).default([]),
  elements: z.array(element).min(1).max(MAX_PLAN_ELEMENTS),
});
