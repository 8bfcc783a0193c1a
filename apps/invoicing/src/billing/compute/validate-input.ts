/**
 * Checks a ComputeInput before anything is computed, so bad input gets one precise ComputeError
 * (code + field) and no partial draft. Lifecycle events are checked when the timeline is built.
 */
import { isCurrencyCode } from '@app/money';
import { Decimal } from 'decimal.js';
import { ComputeError, ComputeErrorCode } from './compute-error';
import { TAX_CATEGORIES, type ComputeInput, type LocalPeriod, type Product } from './compute-types';
import { checkTimeZone, daysBetween, parseLocalDate } from './local-date';

/** A cycle is at most a year (leap years included). */
export const PERIOD_DAYS_MAX = 366;
export const SUBSCRIPTIONS_PER_ACCOUNT_MAX = 1_000;
export const PRODUCTS_PER_INPUT_MAX = 1_000;
export const CHARGES_PER_PRODUCT_MAX = 100;
export const USAGE_AGGREGATES_PER_ACCOUNT_MAX = 10_000;
export const DISCOUNTS_PER_ACCOUNT_MAX = 100;
export const ADVANCE_BILLINGS_PER_ACCOUNT_MAX = 10_000;
export const EVENTS_PER_SUBSCRIPTION_MAX = 1_000;
export const INSTALMENT_PARTS_MAX = 120;

const QUANTITY_PATTERN = /^-?\d{1,15}(\.\d{1,9})?$/;
const PERCENT_PATTERN = /^\d{1,3}(\.\d{1,6})?$/;

function fail(code: ComputeErrorCode, field: string, message: string): never {
  throw new ComputeError(code, `${field}: ${message}`, field);
}

function checkId(value: unknown, field: string): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > 200)
    fail(ComputeErrorCode.INVALID_INPUT, field, 'expected a non-empty id of at most 200 characters');
}

function checkLimit(items: unknown, max: number, field: string): void {
  if (!Array.isArray(items)) fail(ComputeErrorCode.INVALID_INPUT, field, 'expected an array');
  if (items.length > max) fail(ComputeErrorCode.LIMIT_EXCEEDED, field, `at most ${max} items, got ${items.length}`);
}

function checkMinor(value: unknown, field: string, allowNegative = false): void {
  if (typeof value !== 'bigint' || (!allowNegative && value < 0n))
    fail(ComputeErrorCode.INVALID_INPUT, field, `expected ${allowNegative ? 'a' : 'a non-negative'} bigint of minor units`);
}

function checkCurrency(value: unknown, expected: string, field: string): void {
  if (value !== expected)
    fail(ComputeErrorCode.CURRENCY_MISMATCH, field, `${JSON.stringify(value)} is not the account's currency ${expected}`);
}

function checkCategory(value: unknown, field: string): void {
  if (!TAX_CATEGORIES.includes(value as never))
    fail(ComputeErrorCode.UNKNOWN_TAX_CATEGORY, field, `unknown tax category ${JSON.stringify(value)}`);
}

export function checkPeriod(period: LocalPeriod | undefined, field: string): void {
  if (typeof period !== 'object' || period === null) fail(ComputeErrorCode.INVALID_INPUT, field, 'expected { start, end }');
  parseLocalDate(period.start, `${field}.start`);
  parseLocalDate(period.end, `${field}.end`);
  const days = daysBetween(period.start, period.end);
  if (days <= 0) fail(ComputeErrorCode.INVALID_PERIOD, field, `end ${period.end} is not after start ${period.start}`);
}

export function validateInput(input: ComputeInput): Map<string, Product> {
  const { account } = input;
  checkId(account?.id, 'account.id');
  if (!isCurrencyCode(account.currency))
    fail(ComputeErrorCode.INVALID_INPUT, 'account.currency', `${JSON.stringify(account.currency)} is not an ISO 4217 code`);
  checkTimeZone(account.timeZone, 'account.timeZone');
  checkId(account.taxJurisdiction, 'account.taxJurisdiction');
  if (account.minimumCommitmentMinor !== null) checkMinor(account.minimumCommitmentMinor, 'account.minimumCommitmentMinor');
  checkPeriod(input.cycle, 'cycle');
  if (daysBetween(input.cycle.start, input.cycle.end) > PERIOD_DAYS_MAX)
    fail(ComputeErrorCode.INVALID_PERIOD, 'cycle', `longer than ${PERIOD_DAYS_MAX} days`);
  if (typeof input.taxRates?.rateFor !== 'function') fail(ComputeErrorCode.INVALID_INPUT, 'taxRates', 'expected a TaxRateResolver');
  const products = validateProducts(input);
  validateSubscriptions(input, products);
  validateUsage(input);
  validateDiscounts(input, products);
  checkLimit(input.priorAdvanceBillings, ADVANCE_BILLINGS_PER_ACCOUNT_MAX, 'priorAdvanceBillings');
  input.priorAdvanceBillings.forEach((b, i) => {
    const f = `priorAdvanceBillings[${i}]`;
    checkPeriod(b.period, `${f}.period`);
    checkMinor(b.amountMinor, `${f}.amountMinor`);
    checkCurrency(b.currency, account.currency, `${f}.currency`);
  });
  checkLimit(input.priorCredits ?? [], ADVANCE_BILLINGS_PER_ACCOUNT_MAX, 'priorCredits');
  (input.priorCredits ?? []).forEach((c, i) => {
    const f = `priorCredits[${i}]`;
    checkId(c.subscriptionId, `${f}.subscriptionId`);
    checkId(c.chargeId, `${f}.chargeId`);
    checkPeriod(c.period, `${f}.period`);
  });
  return products;
}

function validateProducts(input: ComputeInput): Map<string, Product> {
  checkLimit(input.products, PRODUCTS_PER_INPUT_MAX, 'products');
  const products = new Map<string, Product>();
  input.products.forEach((product, i) => {
    checkId(product.id, `products[${i}].id`);
    if (products.has(product.id)) fail(ComputeErrorCode.INVALID_INPUT, `products[${i}].id`, `duplicate product ${product.id}`);
    products.set(product.id, product);
    checkLimit(product.charges, CHARGES_PER_PRODUCT_MAX, `products[${i}].charges`);
    product.charges.forEach((charge, j) => {
      const f = `products[${i}].charges[${j}]`;
      checkId(charge.id, `${f}.id`);
      checkMinor(charge.amountMinor, `${f}.amountMinor`);
      checkCurrency(charge.currency, input.account.currency, `${f}.currency`);
      checkCategory(charge.taxCategory, `${f}.taxCategory`);
      if (
        charge.kind === 'INSTALMENT' &&
        !(Number.isInteger(charge.parts) && charge.parts! >= 1 && charge.parts! <= INSTALMENT_PARTS_MAX)
      ) {
        fail(ComputeErrorCode.INVALID_INPUT, `${f}.parts`, `expected an integer in 1..${INSTALMENT_PARTS_MAX}`);
      }
      if (!['RECURRING', 'ACTIVATION', 'TERMINATION', 'INSTALMENT'].includes(charge.kind))
        fail(ComputeErrorCode.INVALID_INPUT, `${f}.kind`, `unknown charge kind ${JSON.stringify(charge.kind)}`);
      if (charge.kind === 'RECURRING') {
        if (!['MONTHLY', 'QUARTERLY', 'ANNUAL'].includes(charge.frequency))
          fail(ComputeErrorCode.INVALID_INPUT, `${f}.frequency`, `unknown frequency ${JSON.stringify(charge.frequency)}`);
        if (!['ADVANCE', 'ARREARS'].includes(charge.timing))
          fail(ComputeErrorCode.INVALID_INPUT, `${f}.timing`, `expected ADVANCE or ARREARS`);
      }
    });
  });
  return products;
}

function validateSubscriptions(input: ComputeInput, products: Map<string, Product>): void {
  checkLimit(input.subscriptions, SUBSCRIPTIONS_PER_ACCOUNT_MAX, 'subscriptions');
  const ids = new Set<string>();
  input.subscriptions.forEach((s, i) => {
    const f = `subscriptions[${i}]`;
    checkId(s.id, `${f}.id`);
    if (ids.has(s.id)) fail(ComputeErrorCode.INVALID_INPUT, `${f}.id`, `duplicate subscription ${s.id}`);
    ids.add(s.id);
    if (!products.has(s.productId))
      fail(ComputeErrorCode.UNKNOWN_PRODUCT, `${f}.productId`, `unknown product ${JSON.stringify(s.productId)}`);
    checkLimit(s.events, EVENTS_PER_SUBSCRIPTION_MAX, `${f}.events`);
    s.events.forEach((e, j) => {
      if (e.type === 'PRODUCT_CHANGED' && !products.has(e.productId))
        fail(ComputeErrorCode.UNKNOWN_PRODUCT, `${f}.events[${j}].productId`, `unknown product ${JSON.stringify(e.productId)}`);
    });
    if (s.recurringAnchor !== undefined) parseLocalDate(s.recurringAnchor, `${f}.recurringAnchor`);
  });
}

function validateUsage(input: ComputeInput): void {
  checkLimit(input.usage, USAGE_AGGREGATES_PER_ACCOUNT_MAX, 'usage');
  const subscriptionIds = new Set(input.subscriptions.map((s) => s.id));
  const keys = new Set<string>();
  input.usage.forEach((u, i) => {
    const f = `usage[${i}]`;
    const key = JSON.stringify([u.subscriptionId, u.service, u.ratingGroup, u.zone, u.tariff, u.unit, u.late]);
    if (keys.has(key))
      fail(
        ComputeErrorCode.INVALID_INPUT,
        f,
        'two aggregates with the same subscription, service, rating group, zone, tariff, unit and late flag',
      );
    keys.add(key);
    if (!subscriptionIds.has(u.subscriptionId))
      fail(ComputeErrorCode.INVALID_INPUT, `${f}.subscriptionId`, `unknown subscription ${JSON.stringify(u.subscriptionId)}`);
    for (const key of ['service', 'ratingGroup', 'zone', 'tariff', 'unit'] as const) checkId(u[key], `${f}.${key}`);
    if (typeof u.quantity !== 'string' || !QUANTITY_PATTERN.test(u.quantity))
      fail(ComputeErrorCode.INVALID_INPUT, `${f}.quantity`, `expected a decimal string, got ${JSON.stringify(u.quantity)}`);
    if (typeof u.amountMicros !== 'bigint') fail(ComputeErrorCode.INVALID_INPUT, `${f}.amountMicros`, 'expected a bigint of micros');
    checkCurrency(u.currency, input.account.currency, `${f}.currency`);
    checkCategory(u.taxCategory, `${f}.taxCategory`);
    if (typeof u.late !== 'boolean') fail(ComputeErrorCode.INVALID_INPUT, `${f}.late`, 'expected a boolean');
    if (u.period === undefined) return;
    checkPeriod(u.period, `${f}.period`);
    const inside = u.period.start >= input.cycle.start && u.period.end <= input.cycle.end;
    const before = u.period.end <= input.cycle.start;
    if (u.late ? !before : !inside) {
      fail(
        ComputeErrorCode.USAGE_OUTSIDE_PERIOD,
        `${f}.period`,
        u.late ? 'a late aggregate must end on or before the cycle start' : 'outside the cycle',
      );
    }
  });
}

function validateDiscounts(input: ComputeInput, products: Map<string, Product>): void {
  checkLimit(input.discounts, DISCOUNTS_PER_ACCOUNT_MAX, 'discounts');
  input.discounts.forEach((d, i) => {
    const f = `discounts[${i}]`;
    checkId(d.id, `${f}.id`);
    checkPeriod(d.validity, `${f}.validity`);
    if (d.kind === 'PERCENT') {
      if (typeof d.percent !== 'string' || !PERCENT_PATTERN.test(d.percent) || new Decimal(d.percent).gt(100))
        fail(ComputeErrorCode.INVALID_INPUT, `${f}.percent`, 'expected a percent string in 0..100');
    } else if (d.kind === 'FIXED') {
      checkMinor(d.amountMinor, `${f}.amountMinor`);
      checkCurrency(d.currency, input.account.currency, `${f}.currency`);
    } else {
      fail(ComputeErrorCode.INVALID_INPUT, `${f}.kind`, 'expected PERCENT or FIXED');
    }
    if (d.scope === 'CHARGE') checkId(d.chargeId, `${f}.chargeId`);
    else if (d.scope === 'SERVICE') checkId(d.service, `${f}.service`);
    else if (d.scope !== 'INVOICE') fail(ComputeErrorCode.INVALID_INPUT, `${f}.scope`, 'expected CHARGE, SERVICE or INVOICE');
    (d.requiredProductIds ?? []).forEach((id, j) => {
      if (!products.has(id))
        fail(ComputeErrorCode.UNKNOWN_PRODUCT, `${f}.requiredProductIds[${j}]`, `unknown product ${JSON.stringify(id)}`);
    });
  });
}
