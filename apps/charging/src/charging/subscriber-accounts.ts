/**
 * Who pays for a subscriber and on which price plan: the subscriber's route (RouteCache) plus the
 * cached plan. Every use case starts here; an unrouted subscriber is answered USER_UNKNOWN.
 */
import { Injectable } from '@nestjs/common';
import type { PricePlan } from '@app/rating';
import type { SubscriberRoute } from '../balance/balance-engine.port';
import { PlanCache } from './plan-cache';
import { RouteCache } from './route-cache';

export interface SubscriberAccount {
  subscriberId: string;
  route: SubscriberRoute;
  /** Undefined when the route's plan is missing or broken: every rating group then fails rating. */
  plan: PricePlan | undefined;
}

@Injectable()
export class SubscriberAccounts {
  constructor(
    private readonly routes: RouteCache,
    private readonly plans: PlanCache,
  ) {}

  /** The account of `subscriberId`, or undefined when the subscriber is not routed. */
  async resolve(subscriberId: string): Promise<SubscriberAccount | undefined> {
    const route = await this.routes.get(subscriberId);
    if (!route) return undefined;
    return { subscriberId, route, plan: await this.plans.get(route.planId) };
  }

  /** The route only, for requests that do not rate (refund, balance read). */
  route(subscriberId: string): Promise<SubscriberRoute | undefined> {
    return this.routes.get(subscriberId);
  }
}
