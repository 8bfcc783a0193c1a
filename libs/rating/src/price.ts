/**
 * Decimal prices -> integer micros. A price "P per N units" compiles to `priceMicros / perUnits`
 * with `priceMicros = P * 10^6` and `perUnits = N`. When a price has sub-micro precision
 * (more than 6 decimals, e.g. "0.0000005" per 1 byte), BOTH are scaled by 10^(decimals - 6) so
 * the compiled price stays exact ("5" micros per 10 bytes); the plan is refused when the scaled
 * `perUnits` would pass 2^53 - 1. All tiers of an element share one `perUnits`, so the scale is
 * set by the tier with the most decimals.
 */
import { AMOUNT_MAX_MICROS, MICRO_DECIMALS, MoneyError, microsToNumber, parseMoney } from '@app/money';
import type { CompiledTier, UsageUnit } from './compiled-rate';
import { PRICE_DECIMALS_MAX } from './limits';
import type { RateElement } from './price-plan';
import { RatingError, RatingErrorCode } from './rating-error';

/** The integer pricing of one element: a CompiledRate without its tariff id and tariff change time. */
export interface CompiledPricing {
  unit: UsageUnit;
  setupMicros: number;
  firstUnits: number;
  nextUnits: number;
  perUnits: number;
  tiers: CompiledTier[];
}

/** An exact non-negative decimal: `digits / 10^scale`, trailing fraction zeros removed. */
interface ExactDecimal {
  digits: bigint;
  scale: number;
}

const PRICE_PATTERN = /^(\d+)(?:\.(\d+))?$/;
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);

function parsePrice(text: string, path: string): ExactDecimal {
  const m = PRICE_PATTERN.exec(text);
  if (m === null) {
    const hint = /[eE]/.test(text) ? ' (exponent notation is not accepted)' : '';
    throw new RatingError(RatingErrorCode.INVALID_PLAN, `expected a non-negative decimal string like "0.10", got "${text}"${hint}`, path);
  }
  const [, whole, fraction = ''] = m;
  if (fraction.length > PRICE_DECIMALS_MAX) {
    throw new RatingError(
      RatingErrorCode.INVALID_PLAN,
      `"${text}" has ${fraction.length} decimals; at most ${PRICE_DECIMALS_MAX} are allowed`,
      path,
    );
  }
  const significant = fraction.replace(/0+$/, '');
  return { digits: BigInt(whole + significant), scale: significant.length };
}

function parseSetupFee(text: string | undefined, path: string): number {
  if (text === undefined) return 0;
  let micros: bigint;
  try {
    micros = parseMoney(text);
  } catch (e) {
    if (e instanceof MoneyError) throw new RatingError(RatingErrorCode.INVALID_PLAN, e.message, path);
    throw e;
  }
  if (micros < 0n) throw new RatingError(RatingErrorCode.INVALID_PLAN, `must not be negative, got "${text}"`, path);
  return microsToNumber(micros);
}

/** Compiles an element's prices; `path` is the element's JSON path, for errors. */
export function compilePricing(element: RateElement, path: string): CompiledPricing {
  const tiers = element.tiers ?? [{ fromUnits: 0, price: element.price ?? '' }];
  const pricePath = (i: number): string => (element.tiers === undefined ? `${path}.price` : `${path}.tiers[${i}].price`);
  const prices = tiers.map((t, i) => parsePrice(t.price, pricePath(i)));
  const finest = prices.reduce((best, p, i) => (p.scale > prices[best].scale ? i : best), 0);
  const extraDecimals = Math.max(0, prices[finest].scale - MICRO_DECIMALS);
  const perUnits = BigInt(element.per) * 10n ** BigInt(extraDecimals);
  if (perUnits > SAFE_MAX) {
    throw new RatingError(
      RatingErrorCode.INVALID_PLAN,
      `"${tiers[finest].price}" has sub-micro precision: the exact compiled price needs perUnits = ` +
        `${element.per} x 10^${extraDecimals} = ${perUnits}, beyond 2^53 - 1; lower "per" or use fewer decimals`,
      pricePath(finest),
    );
  }
  const compiledTiers = prices.map((p, i): CompiledTier => {
    const priceMicros = p.digits * 10n ** BigInt(MICRO_DECIMALS + extraDecimals - p.scale);
    if (priceMicros > AMOUNT_MAX_MICROS) {
      throw new RatingError(
        RatingErrorCode.INVALID_PLAN,
        `"${tiers[i].price}" per ${perUnits} units is ${priceMicros} micros, beyond the engine limit of ${AMOUNT_MAX_MICROS}`,
        pricePath(i),
      );
    }
    return { fromUnits: tiers[i].fromUnits, priceMicros: Number(priceMicros) };
  });
  return {
    unit: element.unit,
    setupMicros: parseSetupFee(element.setupFee, `${path}.setupFee`),
    firstUnits: element.firstUnits,
    nextUnits: element.nextUnits,
    perUnits: Number(perUnits),
    tiers: compiledTiers,
  };
}
