/**
 * core: who pays. Customers, their billing accounts (type, currency, time zone, cycle day, credit
 * limit, status, price plan, billing terms) and the legal entities that bill them. Written by
 * apps/charging (provisioning); other apps read it through SQL or read models, never through these
 * entity classes (eslint.config.mjs, libs/db/README.md).
 */
import { BillingAccount } from './billing-account.entity';
import { Customer } from './customer.entity';
import { LegalEntity } from './legal-entity.entity';

export { BillingAccount, Customer, LegalEntity };

export const coreEntities = [Customer, LegalEntity, BillingAccount];
