/**
 * Parsed price plans, kept in memory so the hot path does not parse JSON per request. Entries live
 * PLAN_CACHE_TTL_MS (a plan changed by provisioning is seen within that time) and at most
 * PLAN_CACHE_ENTRIES_MAX are kept (least recently used goes first). A plan that is missing or does
 * not parse is cached as such too, so a broken plan costs one log line per TTL, not one per request.
 */
import { Inject, Injectable } from '@nestjs/common';
import { parsePricePlan, PricePlan } from '@app/rating';
import { Clock, CLOCK, Logger, LOGGER } from '@app/observability';
import { BALANCE_ENGINE, BalanceEngine } from '../balance/balance-engine.port';

/** How long a loaded plan is used before it is read again. */
export const PLAN_CACHE_TTL_MS = 60_000;
/** Most plans kept; an operator has tens to hundreds. */
export const PLAN_CACHE_ENTRIES_MAX = 1_000;

interface Entry {
  loadedAtMs: number;
  /** Undefined when the plan is missing or does not parse. */
  plan: Promise<PricePlan | undefined>;
}

@Injectable()
export class PlanCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    @Inject(BALANCE_ENGINE) private readonly engine: BalanceEngine,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** The parsed plan, or undefined when there is no usable plan of that id. */
  get(planId: string): Promise<PricePlan | undefined> {
    const nowMs = this.clock.nowMs();
    const hit = this.entries.get(planId);
    if (hit && nowMs - hit.loadedAtMs < PLAN_CACHE_TTL_MS) {
      this.entries.delete(planId);
      this.entries.set(planId, hit);
      return hit.plan;
    }
    const entry: Entry = { loadedAtMs: nowMs, plan: this.load(planId) };
    this.entries.delete(planId);
    if (this.entries.size >= PLAN_CACHE_ENTRIES_MAX) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(planId, entry);
    // A failed read (Redis down) is not cached: the next request tries again.
    entry.plan.catch(() => {
      if (this.entries.get(planId) === entry) this.entries.delete(planId);
    });
    return entry.plan;
  }

  /** Plans (and known-missing plans) held now. */
  get size(): number {
    return this.entries.size;
  }

  /** Forgets every plan (tests, or provisioning in the same process after a plan change). */
  clear(): void {
    this.entries.clear();
  }

  private async load(planId: string): Promise<PricePlan | undefined> {
    const json = await this.engine.getPlan(planId);
    if (json === undefined) {
      this.logger.warn({ planId }, 'price plan not found; requests on it are answered RATING_FAILED');
      return undefined;
    }
    try {
      return parsePricePlan(JSON.parse(json) as unknown);
    } catch (err) {
      this.logger.error({ planId, err: (err as Error).message }, 'price plan does not parse; requests on it are answered RATING_FAILED');
      return undefined;
    }
  }
}
