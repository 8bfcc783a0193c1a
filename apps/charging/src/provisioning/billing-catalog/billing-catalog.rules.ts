/** Pure checks of the billing catalog's input formats; each throws INVALID_ARGUMENT naming the field. */
import { Decimal } from 'decimal.js';
import { ProvisioningError } from '../provisioning-error';
import {
  AMOUNT_MINOR_MAX,
  AMOUNT_MINOR_PATTERN,
  DATE_MAX,
  DATE_MIN,
  DATE_PATTERN,
  TAX_RATE_PERCENT_MAX,
  TAX_RATE_PERCENT_PATTERN,
} from './billing-catalog.limits';

/** ISO 13616: the one implementation in @app/money (pattern, country length, mod 97). */
export { isValidIban } from '@app/money';

/** A real calendar date YYYY-MM-DD within [DATE_MIN, DATE_MAX]. */
export function parseDate(field: string, value: string): string {
  if (!DATE_PATTERN.test(value)) throw ProvisioningError.invalid(field, 'expected a date YYYY-MM-DD');
  const [y, m, d] = value.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== m - 1 || t.getUTCDate() !== d) {
    throw ProvisioningError.invalid(field, `${value} is not a calendar date`);
  }
  if (value < DATE_MIN || value > DATE_MAX) throw ProvisioningError.invalid(field, `must be between ${DATE_MIN} and ${DATE_MAX}`);
  return value;
}

/** A validity window [from, to): `to` (exclusive) after `from`, or open ended. */
export function parseValidity(from: string, to: string | undefined | null): { validFrom: string; validTo: string | null } {
  const validFrom = parseDate('validFrom', from);
  if (to === undefined || to === null) return { validFrom, validTo: null };
  const validTo = parseDate('validTo', to);
  if (validTo <= validFrom) throw ProvisioningError.invalid('validTo', 'must be after validFrom (the window is [validFrom, validTo))');
  return { validFrom, validTo };
}

/** Minor units from a string of digits, at most AMOUNT_MINOR_MAX. */
export function parseAmountMinor(field: string, value: string, opts: { min: bigint } = { min: 0n }): bigint {
  if (!AMOUNT_MINOR_PATTERN.test(value)) throw ProvisioningError.invalid(field, 'expected a string of digits in minor units (cents)');
  const amount = BigInt(value);
  if (amount > AMOUNT_MINOR_MAX) throw ProvisioningError.invalid(field, `must be at most ${AMOUNT_MINOR_MAX}`);
  if (amount < opts.min) throw ProvisioningError.invalid(field, `must be at least ${opts.min}`);
  return amount;
}

/** A tax rate in percent, 0..TAX_RATE_PERCENT_MAX, normalized ("19.50" -> "19.5"). */
export function parseTaxRatePercent(field: string, value: string): string {
  if (!TAX_RATE_PERCENT_PATTERN.test(value))
    throw ProvisioningError.invalid(field, 'expected a decimal string like "19" or "5.5" (percent)');
  const rate = new Decimal(value);
  if (rate.greaterThan(TAX_RATE_PERCENT_MAX)) throw ProvisioningError.invalid(field, `must be at most ${TAX_RATE_PERCENT_MAX}`);
  return rate.toFixed();
}

/** PostgreSQL numeric text ("19.0000") as the API writes it ("19"). */
export function formatPercent(value: string): string {
  return new Decimal(value).toFixed();
}
