/**
 * A subscription's state on each calendar day, from its lifecycle events. A day's state is the
 * state after the last event of that day in the account's zone (activated on the 10th: the 10th
 * is charged; suspended on the 12th: the 12th is not; cancelled on the 28th: the 28th is not).
 * Days after the last event keep its state: that is the projection an ADVANCE fee is billed on.
 */
import { ComputeError, ComputeErrorCode } from './compute-error';
import type { Subscription } from './compute-types';
import { dayNumber, localDateOf, parseInstant, type LocalDate } from './local-date';

export type SubscriptionStatus = 'NONE' | 'ACTIVE' | 'SUSPENDED' | 'CANCELLED';

export interface DayState {
  status: SubscriptionStatus;
  productId: string;
}

interface Transition {
  day: number;
  state: DayState;
}

export interface Timeline {
  stateOn(day: number): DayState;
  /** Local day of the ACTIVATED event; null when activated after the cycle (the subscription then bills nothing). */
  activationDay: number | null;
  /** Local day of the CANCELLED event, or null. */
  cancellationDay: number | null;
  /** Every product the subscription had, in order. */
  productIds: string[];
}

const NEXT_STATUS: Record<string, Partial<Record<SubscriptionStatus, SubscriptionStatus>>> = {
  ACTIVATED: { NONE: 'ACTIVE' },
  SUSPENDED: { ACTIVE: 'SUSPENDED' },
  RESUMED: { SUSPENDED: 'ACTIVE' },
  CANCELLED: { ACTIVE: 'CANCELLED', SUSPENDED: 'CANCELLED' },
  PRODUCT_CHANGED: { ACTIVE: 'ACTIVE', SUSPENDED: 'SUSPENDED' },
};

/** Builds the timeline from the events whose local day is before `cycleEnd` (later ones belong to later cycles). */
export function buildTimeline(params: { subscription: Subscription; field: string; timeZone: string; cycleEnd: LocalDate }): Timeline {
  const { subscription, field, timeZone } = params;
  const endDay = dayNumber(params.cycleEnd);
  const transitions: Transition[] = [];
  let state: DayState = { status: 'NONE', productId: subscription.productId };
  let lastMs = -Infinity;
  let activationDay: number | null = null;
  let cancellationDay: number | null = null;
  const productIds = [subscription.productId];
  subscription.events.forEach((event, i) => {
    const at = parseInstant(event.at, `${field}.events[${i}].at`);
    const next = NEXT_STATUS[event.type]?.[state.status];
    if (at < lastMs || next === undefined) {
      const why = at < lastMs ? 'is earlier than the event before it' : `cannot follow status ${state.status}`;
      throw new ComputeError(
        ComputeErrorCode.INVALID_EVENT_SEQUENCE,
        `${field}.events[${i}]: ${event.type} ${why}`,
        `${field}.events[${i}]`,
      );
    }
    lastMs = at;
    const day = dayNumber(localDateOf(at, timeZone));
    if (day >= endDay) return;
    state = { status: next, productId: event.type === 'PRODUCT_CHANGED' ? event.productId : state.productId };
    if (event.type === 'PRODUCT_CHANGED') productIds.push(event.productId);
    if (event.type === 'ACTIVATED') activationDay = day;
    if (event.type === 'CANCELLED') cancellationDay = day;
    // Several events on one day: the last one sets the day.
    if (transitions.length > 0 && transitions[transitions.length - 1].day === day) transitions.pop();
    transitions.push({ day, state });
  });
  const initial: DayState = { status: 'NONE', productId: subscription.productId };
  return {
    activationDay,
    cancellationDay,
    productIds,
    stateOn(day: number): DayState {
      let found = initial;
      for (const t of transitions) {
        if (t.day > day) break;
        found = t.state;
      }
      return found;
    },
  };
}
