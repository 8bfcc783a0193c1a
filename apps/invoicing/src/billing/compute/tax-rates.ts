/**
 * The tax port: a rate for a jurisdiction, a category and a date. The built-in TableTaxRates reads
 * EU VAT style rows with validity dates; an external tax engine can implement the same port
 * (the draft computation only needs a rate; it computes the amounts itself, per EN 16931).
 */
import { Decimal } from 'decimal.js';
import { ComputeError, ComputeErrorCode } from './compute-error';
import { TAX_CATEGORIES, type TaxCategory } from './compute-types';
import { dayNumber, parseLocalDate, type LocalDate } from './local-date';

export interface TaxRateQuery {
  jurisdiction: string;
  category: TaxCategory;
  /** The tax point (MONEY-RULES.md: the last day of the cycle). */
  date: LocalDate;
}

export interface TaxRateResolver {
  /** Decimal fraction as a string ('0.2' = 20 %); throws ComputeError TAX_RATE_NOT_FOUND when it has none. */
  rateFor(query: TaxRateQuery): string;
}

export interface TaxRateRow {
  jurisdiction: string;
  category: TaxCategory;
  /** Decimal fraction, 0 <= rate < 1. */
  rate: string;
  validFrom: LocalDate;
  /** Excluded; null while in force. */
  validTo: LocalDate | null;
}

/** Categories that carry no tax by definition: no row needed, and a row may not say otherwise. */
const ZERO_RATED_CATEGORIES: ReadonlySet<TaxCategory> = new Set(['EXEMPT', 'REVERSE_CHARGE']);
export const TAX_RATE_ROWS_MAX = 10_000;

export class TableTaxRates implements TaxRateResolver {
  private readonly rows: readonly TaxRateRow[];

  constructor(rows: TaxRateRow[]) {
    if (rows.length > TAX_RATE_ROWS_MAX) {
      throw new ComputeError(ComputeErrorCode.LIMIT_EXCEEDED, `at most ${TAX_RATE_ROWS_MAX} tax rate rows, got ${rows.length}`);
    }
    rows.forEach((row, i) => checkRow(row, `taxRates[${i}]`));
    this.rows = rows.map((row) => ({ ...row }));
  }

  rateFor({ jurisdiction, category, date }: TaxRateQuery): string {
    if (!TAX_CATEGORIES.includes(category)) {
      throw new ComputeError(ComputeErrorCode.UNKNOWN_TAX_CATEGORY, `unknown tax category ${JSON.stringify(category)}`);
    }
    if (ZERO_RATED_CATEGORIES.has(category)) return '0';
    const day = dayNumber(date);
    const found = this.rows.filter(
      (r) =>
        r.jurisdiction === jurisdiction &&
        r.category === category &&
        dayNumber(r.validFrom) <= day &&
        (r.validTo === null || day < dayNumber(r.validTo)),
    );
    if (found.length !== 1) {
      throw new ComputeError(
        ComputeErrorCode.TAX_RATE_NOT_FOUND,
        found.length === 0
          ? `no ${category} tax rate for ${jurisdiction} on ${date}`
          : `${found.length} overlapping ${category} tax rates for ${jurisdiction} on ${date}`,
      );
    }
    return found[0].rate;
  }
}

function checkRow(row: TaxRateRow, field: string): void {
  if (!TAX_CATEGORIES.includes(row.category)) {
    throw new ComputeError(
      ComputeErrorCode.UNKNOWN_TAX_CATEGORY,
      `${field}.category: unknown tax category ${JSON.stringify(row.category)}`,
      field,
    );
  }
  let rate: Decimal | null = null;
  try {
    rate = /^\d+(\.\d+)?$/.test(row.rate) ? new Decimal(row.rate) : null;
  } catch {
    rate = null;
  }
  if (rate === null || rate.gte(1) || (ZERO_RATED_CATEGORIES.has(row.category) && !rate.isZero())) {
    throw new ComputeError(
      ComputeErrorCode.INVALID_INPUT,
      `${field}.rate: expected a fraction in [0, 1) (0 for ${row.category === 'EXEMPT' || row.category === 'REVERSE_CHARGE' ? row.category : 'zero-rated categories'}), got ${JSON.stringify(row.rate)}`,
      field,
    );
  }
  parseLocalDate(row.validFrom, `${field}.validFrom`);
  if (row.validTo !== null) parseLocalDate(row.validTo, `${field}.validTo`);
  if (row.validTo !== null && dayNumber(row.validTo) <= dayNumber(row.validFrom)) {
    throw new ComputeError(
      ComputeErrorCode.INVALID_PERIOD,
      `${field}: validTo ${row.validTo} is not after validFrom ${row.validFrom}`,
      field,
    );
  }
}
