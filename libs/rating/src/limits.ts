/**
 * Every limit of the rating library, each a named constant with its unit. Plans beyond them are
 * refused by `parsePricePlan`; usage beyond them by `compileRate` / `rateUsage`.
 */

export const ID_MAX_LENGTH = 64;
/** Identifiers of plans, zones, time bands and elements: `^[A-Za-z0-9_.-]{1,64}$` (no ":" so tariff ids stay unambiguous). */
export const ID_PATTERN = new RegExp(`^[A-Za-z0-9_.-]{1,${ID_MAX_LENGTH}}$`);
/** Human-readable names. */
export const NAME_MAX_LENGTH = 200;
export const PLAN_VERSION_MAX = 2_147_483_647;

export const PLAN_ELEMENTS_MAX = 256;
export const PLAN_ZONES_MAX = 64;
export const ZONE_PREFIXES_MAX = 1024;
/** Prefixes over all zones of one plan. */
export const PLAN_PREFIXES_MAX = 8192;
/** E.164 numbers have at most 15 digits, so no prefix is longer. */
export const PREFIX_MAX_LENGTH = 15;
/** Called numbers: digits with an optional leading "+" (routing prefixes make them longer than E.164). */
export const CALLED_NUMBER_MAX_LENGTH = 32;

export const TIME_BANDS_MAX = 16;
export const BAND_WINDOWS_MAX = 28;
export const PRICE_TIERS_MAX = 16;
/** Decimals of a price string; beyond 6 (sub-micro) the compiled `perUnits` is scaled by 10^(decimals - 6). */
export const PRICE_DECIMALS_MAX = 12;
/** Longest decimal string of a price or setup fee. */
export const DECIMAL_TEXT_MAX_LENGTH = 40;
/** Largest `per` of a price and largest charging increment: 1 TiB (bytes), 34,800 years (seconds). */
export const PER_UNITS_MAX = 1_099_511_627_776;
export const INCREMENT_UNITS_MAX = 1_099_511_627_776;
/** Rating groups and service identifiers are Diameter Unsigned32 values. */
export const RATING_GROUP_MAX = 4_294_967_295;
export const SERVICE_ID_MAX = 4_294_967_295;

/** Largest unit count rated at once: the engine's UNITS_PER_REQUEST_MAX (10 TB of data, 115 days of seconds). */
export const USAGE_UNITS_MAX = 10_000_000_000_000;
/** Largest tariff-time segments one usage record may be split into (about 6 months of 4 band changes a day). */
export const USAGE_SEGMENTS_MAX = 1024;
/** Instants are epoch ms from 1970-01-01 to 9999-12-31. */
export const EPOCH_MAX_MS = 253_402_300_799_999;
/** Time-zone formatters kept in memory; the cache is cleared when it is full. */
export const CACHED_TIME_ZONES_MAX = 512;
/** Loop bound of the next-tariff-change search (each step passes a band edge or a UTC offset change). */
export const TARIFF_CHANGE_SEARCH_STEPS_MAX = 64;
