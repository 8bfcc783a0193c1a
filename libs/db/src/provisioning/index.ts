/**
 * provisioning: what an account has been given. Subscriptions (MSISDN/IMSI lines), allowance grants,
 * top-ups, the lifecycle events of subscriptions (what billing prorates by), and the prepaid money ledger of opening balances and top-ups (`ledger_entry`, which the
 * rebuild sums; not the double-entry ledger of the `ledger` context). Written by apps/charging in the
 * same transactions as the rows of core they belong to.
 */
import { AllowanceGrant } from './allowance-grant.entity';
import { LedgerEntry } from './ledger-entry.entity';
import { Subscription } from './subscription.entity';
import { SubscriptionLifecycleEvent } from './subscription-lifecycle-event.entity';
import { TopUp } from './top-up.entity';

export * from './subscription-lifecycle';
export { AllowanceGrant, LedgerEntry, Subscription, SubscriptionLifecycleEvent, TopUp };

export const provisioningEntities = [Subscription, AllowanceGrant, TopUp, LedgerEntry, SubscriptionLifecycleEvent];
