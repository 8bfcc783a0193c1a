/**
 * Every limit of the rating library, each a named constant with its unit. Plans beyond them are
 * refused by `parsePricePlan`; usage beyond them by `compileRate` / `rateUsage`.
 */

export const MAX_ID_LENGTH = 64;
/** Identifiers of plans, zones, time bands and elements: `^[A-Za-z0-9_.-]{1,64}$` (no ":" so tariff ids stay unambiguous). */
export const ID_PATTERN = new RegExp(`^[A-Za-z0-9_.-]{1,${MAX_ID_LENGTH}}$`);
/** Human-readable names. */
export const MAX_NAME_LENGTH = 200;
export const MAX_PLAN_VERSION = 2_147_483_647;

export const MAX_PLAN_ELEMENTS = 256;
export const MAX_PLAN_ZONES = 64;
export const MAX_ZONE_PREFIXES = 1024;
/** Prefixes over all zones of one plan. */
export const MAX_PLAN_PREFIXES = 8192;
/** E.164 numbers have at most 15 digits, so no prefix is longer. */
export const MAX_PREFIX_LENGTH = 15;
/** Called numbers: digits with an optional leading "+" (routing prefixes make them longer than E.164). */
export const MAX_CALLED_NUMBER_LENGTH = 32;

export const MAX_TIME_BANDS = 16;
export const MAX_BAND_WINDOWS = 28;
export const MAX_PRICE_TIERS = 16;
/** Decimals of a price string; beyond 6 (sub-micro) the compiled `perUnits` is scaled by 10^(decimals - 6). */
export const MAX_PRICE_DECIMALS = 12;
/** Longest decimal string of a price or setup fee. */
export const MAX_DECIMAL_TEXT_LENGTH = 40;
/** Largest `per` of a price and largest charging increment: 1 TiB (bytes), 34,800 years (seconds). */
export const MAX_PER_UNITS = 1_099_511_627_776;
export const MAX_INCREMENT_UNITS = 1_099_511_627_776;
/** Rating groups and service identifiers are Diameter Unsigned32 values. */
export const MAX_RATING_GROUP = 4_294_967_295;
export const MAX_SERVICE_ID = 4_294_967_295;

/** Largest unit count rated at once: the engine's MAX_UNITS_PER_REQUEST (10 TB of data, 115 days of seconds). */
export const MAX_USAGE_UNITS = 10_000_000_000_000;
/** Largest tariff-time segments one usage record may be split into (about 6 months of 4 band changes a day). */
export const MAX_USAGE_SEGMENTS = 1024;
/** Instants are epoch ms from 1970-01-01 to 9999-12-31. */
export const MAX_EPOCH_MS = 253_402_300_799_999;
/** Time-zone formatters kept in memory; the cache is cleared when it is full. */
export const MAX_CACHED_TIME_ZONES = 512;
/** Loop bound of the next-tariff-change search (each step passes a band edge or a UTC offset change). */
export const MAX_TARIFF_CHANGE_SEARCH_STEPS = 64;
