/**
 * core: who pays. Customers and their billing accounts (type, currency, time zone, cycle day, credit
 * limit, status, price plan). Written by apps/charging (provisioning); other apps read it through SQL
 * or read models, never through these entity classes (eslint.config.mjs, libs/db/README.md).
 */
import { BillingAccount } from './billing-account.entity';
import { Customer } from './customer.entity';

export { BillingAccount, Customer };

export const coreEntities = [Customer, BillingAccount];
