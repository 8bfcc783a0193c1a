/**
 * The price plan model. Plain JSON (no bigint, decimals as strings) because plans are stored as
 * JSON in Redis (`Pplan:<planId>`) and PostgreSQL. `parsePricePlan` is the only way in: it
 * validates everything and returns a frozen plan. See libs/rating/README.md "Rating".
 */
import type { UsageUnit } from './compiled-rate';

export const WEEKDAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export const USAGE_UNITS: readonly UsageUnit[] = ['SECONDS', 'BYTES', 'EVENTS'];

/** Local wall-clock window on some weekdays: `from` inclusive, `to` exclusive, "HH:MM", `to` may be "24:00". Never wraps midnight. */
export interface TimeWindow {
  readonly days: readonly Weekday[];
  readonly from: string;
  readonly to: string;
}

/**
 * A named time band (peak, offpeak, weekend...). Bands are evaluated in the account's IANA time
 * zone; where windows of several bands overlap, the band listed FIRST in the plan wins.
 */
export interface TimeBand {
  readonly id: string;
  readonly name?: string;
  readonly windows: readonly TimeWindow[];
}

/** A destination zone: number prefixes (digits, E.164 without "+"). A called number belongs to the zone of its longest matching prefix. */
export interface DestinationZone {
  readonly id: string;
  readonly name?: string;
  readonly prefixes: readonly string[];
}

/** Price from `fromUnits` of cumulative billing-cycle usage (billable units of the rating group) on. */
export interface PriceTier {
  readonly fromUnits: number;
  /** Decimal currency string per `per` units, up to PRICE_DECIMALS_MAX decimals. */
  readonly price: string;
}

/**
 * One rate element: selectors (absent = any) and pricing. At least one of ratingGroup and
 * serviceId is required. Exactly one of `price` and `tiers`.
 */
export interface RateElement {
  readonly id: string;
  readonly name?: string;
  readonly ratingGroup?: number;
  readonly serviceId?: number;
  /** Destination zone ids; the element applies when the called number's zone is one of them. */
  readonly zones?: readonly string[];
  /** Time band ids; the element applies when the band in force is one of them. */
  readonly timeBands?: readonly string[];
  /** true: only while roaming; false: only at home; absent: both. */
  readonly roaming?: boolean;
  readonly unit: UsageUnit;
  /** Decimal currency string (at most 6 decimals) charged once per session with the first used units. */
  readonly setupFee?: string;
  /** Decimal currency string per `per` units (a single tier from 0). */
  readonly price?: string;
  readonly tiers?: readonly PriceTier[];
  /** Units the price is for: "0.10" per 60 seconds, "0.01" per 1048576 bytes. */
  readonly per: number;
  /** Charging increments: used units are rounded up to `firstUnits`, then to multiples of `nextUnits`. */
  readonly firstUnits: number;
  readonly nextUnits: number;
}

export interface PricePlan {
  readonly id: string;
  readonly version: number;
  readonly name: string;
  /** ISO 4217 code; every price of the plan is in this currency. */
  readonly currency: string;
  readonly description?: string;
  readonly zones: readonly DestinationZone[];
  readonly timeBands: readonly TimeBand[];
  readonly elements: readonly RateElement[];
}
