/**
 * `parsePricePlan`: the one way a price plan enters the system. Structure is checked by zod
 * (plan-schema.ts), cross-references and pricing here; the first problem is reported as a
 * RatingError INVALID_PLAN whose `path` names the JSON path. The result is deeply frozen and
 * indexed once (prefix map, weekly schedule, compiled prices, elements by specificity).
 */
import { MoneyError, parseCurrency } from '@app/money';
import type { z } from 'zod';
import { PLAN_PREFIXES_MAX } from './limits';
import { compilePricing, type CompiledPricing } from './price';
import type { PricePlan, RateElement } from './price-plan';
import { pricePlanSchema } from './plan-schema';
import { formatPath, RatingError, RatingErrorCode } from './rating-error';
import { clockMinutes, WeeklySchedule } from './time-bands';
import { PrefixIndex } from './zones';

/** An element with what rating needs precomputed. */
export interface IndexedElement {
  readonly element: RateElement;
  /** Position in `plan.elements` (ties of specificity go to the earlier element). */
  readonly position: number;
  /** `<planId>:<version>:<elementId>`. */
  readonly tariffId: string;
  /** Bit mask: serviceId 16, ratingGroup 8, roaming 4, zones 2, timeBands 1; higher wins. */
  readonly specificity: number;
  readonly pricing: CompiledPricing;
}

export interface PlanIndex {
  readonly plan: PricePlan;
  readonly prefixes: PrefixIndex;
  readonly schedule: WeeklySchedule;
  /** Most specific first, then plan order. */
  readonly elements: readonly IndexedElement[];
}

const indexes = new WeakMap<object, PlanIndex>();

function invalid(path: string, message: string): RatingError {
  return new RatingError(RatingErrorCode.INVALID_PLAN, message, path);
}

function firstIssue(error: z.ZodError): RatingError {
  const issue = error.issues[0];
  const path = [...issue.path];
  if (issue.code === 'unrecognized_keys') path.push(issue.keys[0]);
  return invalid(formatPath(path), issue.message);
}

/** Throws when an id repeats in `items`. */
function checkUniqueIds(items: readonly { id: string }[], path: string): void {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const earlier = seen.get(item.id);
    if (earlier !== undefined) throw invalid(`${path}[${i}].id`, `duplicate id "${item.id}" (also ${path}[${earlier}])`);
    seen.set(item.id, i);
  });
}

function checkZones(plan: PricePlan): void {
  checkUniqueIds(plan.zones, 'zones');
  const owner = new Map<string, string>();
  plan.zones.forEach((zone, z) => {
    zone.prefixes.forEach((prefix, p) => {
      const other = owner.get(prefix);
      if (other !== undefined) {
        throw invalid(`zones[${z}].prefixes[${p}]`, `prefix "${prefix}" is already in zone "${other}"; a prefix belongs to one zone`);
      }
      owner.set(prefix, zone.id);
    });
  });
  if (owner.size > PLAN_PREFIXES_MAX) throw invalid('zones', `${owner.size} prefixes; at most ${PLAN_PREFIXES_MAX} per plan`);
}

function checkTimeBands(plan: PricePlan): void {
  checkUniqueIds(plan.timeBands, 'timeBands');
  plan.timeBands.forEach((band, b) => {
    band.windows.forEach((w, i) => {
      const path = `timeBands[${b}].windows[${i}]`;
      if (new Set(w.days).size !== w.days.length) throw invalid(`${path}.days`, 'a weekday is listed twice');
      if (clockMinutes(w.from) >= clockMinutes(w.to)) {
        throw invalid(`${path}.to`, `"${w.to}" must be after "${w.from}"; a window never wraps midnight (split it in two)`);
      }
    });
  });
}

function checkReferences(ids: readonly string[] | undefined, known: Set<string>, path: string, what: string): void {
  ids?.forEach((id, i) => {
    if (!known.has(id)) throw invalid(`${path}[${i}]`, `unknown ${what} "${id}"`);
    if (ids.indexOf(id) !== i) throw invalid(`${path}[${i}]`, `${what} "${id}" is listed twice`);
  });
}

function checkTiers(element: RateElement, path: string): void {
  if ((element.price === undefined) === (element.tiers === undefined)) {
    throw invalid(path, 'exactly one of "price" and "tiers" is required');
  }
  element.tiers?.forEach((tier, i) => {
    if (i === 0 && tier.fromUnits !== 0)
      throw invalid(`${path}.tiers[0].fromUnits`, `the first tier must start at 0, got ${tier.fromUnits}`);
    const previous = element.tiers?.[i - 1];
    if (previous !== undefined && tier.fromUnits <= previous.fromUnits) {
      throw invalid(`${path}.tiers[${i}].fromUnits`, `must be greater than the previous tier's ${previous.fromUnits}`);
    }
  });
}

/** Selectors as a canonical string: two elements with the same one could never both be chosen. */
function selectorKey(e: RateElement): string {
  const sorted = (ids?: readonly string[]): string => (ids === undefined ? '*' : [...ids].sort().join(','));
  return [e.ratingGroup ?? '*', e.serviceId ?? '*', sorted(e.zones), sorted(e.timeBands), e.roaming ?? '*'].join('|');
}

function checkElement(e: RateElement, path: string, zoneIds: Set<string>, bandIds: Set<string>): void {
  if (e.ratingGroup === undefined && e.serviceId === undefined) {
    throw invalid(path, 'at least one of "ratingGroup" and "serviceId" is required');
  }
  checkReferences(e.zones, zoneIds, `${path}.zones`, 'zone');
  checkReferences(e.timeBands, bandIds, `${path}.timeBands`, 'time band');
  checkTiers(e, path);
}

function checkElements(plan: PricePlan): void {
  checkUniqueIds(plan.elements, 'elements');
  const zoneIds = new Set(plan.zones.map((z) => z.id));
  const bandIds = new Set(plan.timeBands.map((b) => b.id));
  const unitOfGroup = new Map<number, { unit: string; at: number }>();
  const selectors = new Map<string, number>();
  plan.elements.forEach((e, i) => {
    const path = `elements[${i}]`;
    checkElement(e, path, zoneIds, bandIds);
    const group = e.ratingGroup === undefined ? undefined : unitOfGroup.get(e.ratingGroup);
    if (group !== undefined && group.unit !== e.unit) {
      throw invalid(
        `${path}.unit`,
        `rating group ${e.ratingGroup} is rated in ${group.unit} by elements[${group.at}]; one rating group has one unit`,
      );
    }
    if (e.ratingGroup !== undefined && group === undefined) unitOfGroup.set(e.ratingGroup, { unit: e.unit, at: i });
    const key = selectorKey(e);
    const twin = selectors.get(key);
    if (twin !== undefined) throw invalid(path, `has the same selectors as elements[${twin}]; it could never be chosen`);
    selectors.set(key, i);
  });
}

function specificityOf(e: RateElement): number {
  const bit = (present: boolean, value: number): number => (present ? value : 0);
  return (
    bit(e.serviceId !== undefined, 16) +
    bit(e.ratingGroup !== undefined, 8) +
    bit(e.roaming !== undefined, 4) +
    bit(e.zones !== undefined, 2) +
    bit(e.timeBands !== undefined, 1)
  );
}

function buildIndex(plan: PricePlan): PlanIndex {
  const elements = plan.elements.map((element, position): IndexedElement => ({
    element,
    position,
    tariffId: `${plan.id}:${plan.version}:${element.id}`,
    specificity: specificityOf(element),
    pricing: compilePricing(element, `elements[${position}]`),
  }));
  elements.sort((a, b) => b.specificity - a.specificity || a.position - b.position);
  return { plan, prefixes: new PrefixIndex(plan.zones), schedule: new WeeklySchedule(plan.timeBands), elements };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Validates a plan (for example `JSON.parse` of a stored one) and returns it frozen. Throws RatingError INVALID_PLAN. */
export function parsePricePlan(input: unknown): PricePlan {
  const parsed = pricePlanSchema.safeParse(input);
  if (!parsed.success) throw firstIssue(parsed.error);
  const plan: PricePlan = parsed.data;
  try {
    parseCurrency(plan.currency);
  } catch (e) {
    if (e instanceof MoneyError) throw invalid('currency', e.message);
    throw e;
  }
  checkZones(plan);
  checkTimeBands(plan);
  checkElements(plan);
  const index = buildIndex(deepFreeze(plan));
  indexes.set(plan, index);
  return plan;
}

/**
 * The index of a plan. Plans from `parsePricePlan` are indexed already; any other object is
 * validated first (and must not be mutated afterwards: plans are values).
 */
export function planIndex(plan: PricePlan): PlanIndex {
  let index = indexes.get(plan);
  if (index === undefined) {
    index = indexes.get(parsePricePlan(plan));
    if (index === undefined) throw new Error('parsePricePlan did not index the plan');
    indexes.set(plan, index);
  }
  return index;
}
