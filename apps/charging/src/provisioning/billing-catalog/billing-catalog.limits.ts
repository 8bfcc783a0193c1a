/**
 * Limits and formats of the billing catalog (issue 9, section 1): legal entities, billing terms,
 * tax rates and product charges. The migration Migration20261203000000_billing_catalog checks the
 * same bounds in PostgreSQL.
 */
import { AMOUNT_MAX_MICROS } from '@app/money';

/** Postal address of a legal entity, lines separated by "\n". */
export const ADDRESS_MAX_LENGTH = 500;
/** EU VAT id: country prefix and 2-13 characters, upper case, no spaces (VIES format). */
export const VAT_ID_PATTERN = /^[A-Z]{2}[A-Z0-9+*]{2,13}$/;
/** ISO 13616: country, two check digits, 11-30 characters of BBAN; upper case, no spaces. */
export const IBAN_PATTERN = /^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/;
export const IBAN_MAX_LENGTH = 34;
/** Prefix of a legal entity's document numbers. */
export const NUMBER_SERIES_PREFIX_PATTERN = /^[A-Z0-9][A-Z0-9-]{0,15}$/;

/** ISO 3166-1 alpha-2 country, optionally "-" and an ISO 3166-2 subdivision ("DE", "ES-CN"). */
export const JURISDICTION_PATTERN = /^[A-Z]{2}(-[A-Z0-9]{1,3})?$/;
/** Tax rate in percent: 1-3 integer digits, at most 4 decimals (numeric(7,4)). */
export const TAX_RATE_PERCENT_PATTERN = /^[0-9]{1,3}(\.[0-9]{1,4})?$/;
export const TAX_RATE_PERCENT_MAX = 100;
/** Tax rates answered per list request. */
export const TAX_RATES_PER_PAGE_MAX = 500;

/** A calendar date, YYYY-MM-DD. */
export const DATE_PATTERN = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
/** Earliest and latest dates accepted (validity windows, effective dates). */
export const DATE_MIN = '2000-01-01';
export const DATE_MAX = '2199-12-31';

/** Code of a billing cycle type (invoicing's code table; not checked here, no FK across contexts). */
export const BILLING_CYCLE_TYPE_PATTERN = /^[A-Z0-9_]{1,32}$/;
export const PAYMENT_TERMS_DAYS_MIN = 0;
export const PAYMENT_TERMS_DAYS_MAX = 365;

/** Money in a currency's minor unit, as a string of digits at the JSON boundary. */
export const AMOUNT_MINOR_PATTERN = /^(0|[1-9][0-9]{0,15})$/;
/** Largest minor-unit amount: 2^53 - 1, what every JSON client and the engine read exactly. */
export const AMOUNT_MINOR_MAX = AMOUNT_MAX_MICROS;
/** ISO 4217 code, upper case. */
export const CURRENCY_PATTERN = /^[A-Z]{3}$/;

/** Parts of an instalment charge (monthly): at least 2, at most ten years. */
export const INSTALMENT_COUNT_MIN = 2;
export const INSTALMENT_COUNT_MAX = 120;
/** Charges one product may carry. */
export const CHARGES_PER_PRODUCT_MAX = 100;

/** Name of a service a discount may target (the service of usage lines). */
export const SERVICE_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
/** Products an account must hold for a cross-product discount (the migration's CHECK says the same). */
export const REQUIRED_PRODUCTS_PER_DISCOUNT_MAX = 16;
