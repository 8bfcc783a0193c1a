/** The subscription state machine and the local date of an instant; pure. */
import type { LifecycleEventKind, SubscriptionStatus } from '@app/db/provisioning';
import { ProvisioningError, ProvisioningErrorCode } from '../provisioning-error';

/** Lifecycle changes a client asks for (ACTIVATE is written when a subscription is created). */
export const LIFECYCLE_CHANGES = ['SUSPEND', 'RESUME', 'CANCEL', 'CHANGE_PRODUCT'] as const;
export type LifecycleChange = (typeof LIFECYCLE_CHANGES)[number];

/** From which states each change is allowed, and the state it leads to. */
const TRANSITIONS: Readonly<Record<LifecycleChange, { from: readonly SubscriptionStatus[]; to: SubscriptionStatus | 'SAME' }>> = {
  SUSPEND: { from: ['ACTIVE'], to: 'SUSPENDED' },
  RESUME: { from: ['SUSPENDED'], to: 'ACTIVE' },
  CANCEL: { from: ['ACTIVE', 'SUSPENDED'], to: 'CANCELLED' },
  CHANGE_PRODUCT: { from: ['ACTIVE', 'SUSPENDED'], to: 'SAME' },
};

/** The state after `change`, or FAILED_PRECONDITION (reason INVALID_TRANSITION) naming both. */
export function nextStatus(subscriptionId: string, status: SubscriptionStatus, change: LifecycleChange): SubscriptionStatus {
  const t = TRANSITIONS[change];
  if (!t.from.includes(status)) {
    throw new ProvisioningError(
      ProvisioningErrorCode.FAILED_PRECONDITION,
      `subscription ${subscriptionId} is ${status}; ${change} needs ${t.from.join(' or ')}`,
      { reason: 'INVALID_TRANSITION', status },
    );
  }
  return t.to === 'SAME' ? status : t.to;
}

/** The calendar date (YYYY-MM-DD) of `atMs` in the IANA zone `timeZone`. */
export function localDate(atMs: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(atMs);
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

export type { LifecycleEventKind };
