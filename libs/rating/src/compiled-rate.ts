/**
 * The integer form of one rate element, as the balance engine (Redis Lua) applies it. The rating
 * library compiles a price plan plus a request's context (rating group, destination, time band,
 * roaming) into this; the Lua scripts and `priceUnitsMicros` in this library compute the same
 * integers from it, and a spec checks that they agree.
 *
 * Money: integer micro-units of the account currency (1 unit = 1,000,000 micros).
 * Rounding: once per rated charge, to a whole micro, half away from zero (ROUND_HALF_UP).
 */
export type UsageUnit = 'SECONDS' | 'BYTES' | 'EVENTS';

export interface CompiledTier {
  /** Cycle usage (billable units of this rating group in the billing cycle) from which this price applies. */
  fromUnits: number;
  /** Price in micros for `perUnits` units. */
  priceMicros: number;
}

export interface CompiledRate {
  /** Identifies plan, element and plan version; copied into rated events. */
  tariffId: string;
  unit: UsageUnit;
  /** Charged once per session and rating group, with the first debit that has used units > 0. Allowances never pay it. */
  setupMicros: number;
  /** Charging increments: used units are rounded up to `firstUnits`, then to multiples of `nextUnits` beyond it. */
  firstUnits: number;
  nextUnits: number;
  /** Denominator of every tier price. */
  perUnits: number;
  /** Ascending `fromUnits`; the first starts at 0. */
  tiers: CompiledTier[];
  /**
   * When the rate stops applying (the next time-band boundary), epoch ms; absent when it does not
   * change. Time-based grants are capped to end there (RFC 4006 Tariff-Time-Change).
   */
  tariffChangeAtMs?: number;
}
