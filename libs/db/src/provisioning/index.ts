/**
 * provisioning: what an account has been given. Subscriptions (MSISDN/IMSI lines), allowance grants,
 * top-ups, and the prepaid money ledger of opening balances and top-ups (`ledger_entry`, which the
 * rebuild sums; not the double-entry ledger of the `ledger` context). Written by apps/charging in the
 * same transactions as the rows of core they belong to.
 */
import { AllowanceGrant } from './allowance-grant.entity';
import { LedgerEntry } from './ledger-entry.entity';
import { Subscription } from './subscription.entity';
import { TopUp } from './top-up.entity';

export { AllowanceGrant, LedgerEntry, Subscription, TopUp };

export const provisioningEntities = [Subscription, AllowanceGrant, TopUp, LedgerEntry];
