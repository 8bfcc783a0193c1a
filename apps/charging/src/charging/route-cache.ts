/**
 * Subscriber routes (MSISDN/IMSI -> account, plan) kept in the gateway's memory, so a charging
 * request does not pay a Redis round trip (GET) before its script.
 *
 * Correctness comes from invalidation, not from the TTL: every route change publishes the
 * subscriber id (RedisBalanceEngine.routeSubscriber / unrouteSubscriber, in the same MULTI as the
 * write), every gateway follows that channel and drops the entry. While the follower is not
 * subscribed (starting, connection lost) the cache is bypassed and emptied, because changes may be
 * missed then. A read that overlaps a change is not cached (an epoch counter moves on every change),
 * so an older value fetched before the change cannot be stored after it. Unknown subscribers are
 * cached too (as unknown), so a flood of them costs no Redis reads either.
 *
 * What remains: a gateway may answer from the old route for as long as the publish takes to reach
 * it (milliseconds), and a route written to Redis without the publish (by hand, a restored dump)
 * is seen within ROUTE_CACHE_TTL_MS.
 */
import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';

import { Clock, CLOCK, METRICS_REGISTRY } from '@app/observability';
import { Counter, Registry } from 'prom-client';
import { BALANCE_ENGINE, BalanceEngine, RouteChangeWatch, SubscriberRoute } from '../balance/balance-engine.port';
import { CHARGING_CONFIG, type ChargingConfig } from '../config';

/** Most routes kept; the oldest inserted goes first (an entry takes about 300 bytes). */
export const ROUTE_CACHE_ENTRIES_MAX = 250_000;
/** Longest an entry is used without reading Redis again (backstop for changes made without a publish). */
export const ROUTE_CACHE_TTL_MS = 60_000;

interface Entry {
  route: SubscriberRoute | undefined;
  loadedAtMs: number;
}

export type RouteLookup = 'hit' | 'miss' | 'bypass';

@Injectable()
export class RouteCache implements OnModuleInit, OnModuleDestroy {
  private readonly entries = new Map<string, Entry>();
  private listening = false;
  private epoch = 0;
  private changesSeen = 0;
  private watch?: RouteChangeWatch;
  private readonly lookups: Record<RouteLookup, { inc(): void }>;

  constructor(
    @Inject(BALANCE_ENGINE) private readonly engine: BalanceEngine,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CHARGING_CONFIG) private readonly config: ChargingConfig,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    const name = 'ratel_route_cache_lookups_total';
    const counter =
      (registry.getSingleMetric(name) as Counter<'result'> | undefined) ??
      new Counter({
        name,
        help: 'Subscriber route look-ups by result: hit, miss (read from Redis), bypass (cache not in use)',
        labelNames: ['result'],
        registers: [registry],
      });
    this.lookups = { hit: counter.labels('hit'), miss: counter.labels('miss'), bypass: counter.labels('bypass') };
  }

  async onModuleInit(): Promise<void> {
    if (!this.config.RATEL_ROUTE_CACHE_ENABLED) return;
    this.watch = await this.engine.watchRouteChanges({
      changed: (subscriberId) => this.changed(subscriberId),
      listening: (on) => this.setListening(on),
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.watch?.stop();
    this.watch = undefined;
  }

  /** The route of a subscriber, or undefined when it is not routed. */
  async get(subscriberId: string): Promise<SubscriberRoute | undefined> {
    if (!this.listening) {
      this.lookups.bypass.inc();
      return this.engine.resolveSubscriber(subscriberId);
    }
    const hit = this.entries.get(subscriberId);
    if (hit && this.clock.nowMs() - hit.loadedAtMs < ROUTE_CACHE_TTL_MS) {
      this.lookups.hit.inc();
      return hit.route;
    }
    this.lookups.miss.inc();
    const epoch = this.epoch;
    const route = await this.engine.resolveSubscriber(subscriberId);
    if (this.listening && epoch === this.epoch) this.put(subscriberId, route);
    return route;
  }

  /** Entries held now. */
  get size(): number {
    return this.entries.size;
  }

  /** Route changes received so far. */
  get changes(): number {
    return this.changesSeen;
  }

  /** Whether look-ups use the cache (the change feed is subscribed). */
  get active(): boolean {
    return this.listening;
  }

  private put(subscriberId: string, route: SubscriberRoute | undefined): void {
    this.entries.delete(subscriberId);
    if (this.entries.size >= ROUTE_CACHE_ENTRIES_MAX) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(subscriberId, { route, loadedAtMs: this.clock.nowMs() });
  }

  private changed(subscriberId: string): void {
    this.changesSeen++;
    this.epoch++;
    this.entries.delete(subscriberId);
  }

  private setListening(on: boolean): void {
    this.epoch++;
    this.entries.clear();
    this.listening = on;
  }
}
