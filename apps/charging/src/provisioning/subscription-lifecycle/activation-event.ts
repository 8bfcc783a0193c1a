/** The ACTIVATE lifecycle event of a new subscription, added to the creating transaction. */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { BillingAccount } from '@app/db/core';
import { SubscriptionLifecycleEvent } from '@app/db/provisioning';
import type { Actor } from '../auth/actor';
import { localDate } from './lifecycle-rules';

export function recordActivation(
  em: EntityManager,
  p: { subscriptionId: string; account: BillingAccount; productId: string; actor: Actor; atMs: number },
): void {
  em.create(SubscriptionLifecycleEvent, {
    subscriptionId: p.subscriptionId,
    accountId: p.account.id,
    kind: 'ACTIVATE',
    effectiveAt: new Date(p.atMs),
    effectiveLocalDate: localDate(p.atMs, p.account.timeZone),
    timeZone: p.account.timeZone,
    fromProductId: null,
    toProductId: p.productId,
    actor: p.actor,
  });
}
