/** Subscription states and lifecycle event kinds, stored as TEXT with a CHECK (Migration20261203000000_billing_catalog). */
export const SUBSCRIPTION_STATUSES = ['ACTIVE', 'SUSPENDED', 'CANCELLED'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

export const LIFECYCLE_EVENT_KINDS = ['ACTIVATE', 'SUSPEND', 'RESUME', 'CANCEL', 'CHANGE_PRODUCT'] as const;
export type LifecycleEventKind = (typeof LIFECYCLE_EVENT_KINDS)[number];
