/**
 * catalog: what is sold. Products and price plans, each plan version an immutable JSON row; the
 * billing catalog: product charges (recurring and one-time fees), discounts and tax rates per jurisdiction and
 * category. Written by apps/charging (provisioning); depends on no other context (core and
 * provisioning point at it).
 */
import { Discount } from './discount.entity';
import { PricePlan, PricePlanVersion } from './price-plan.entity';
import { ProductCharge } from './product-charge.entity';
import { Product } from './product.entity';
import { TaxRate } from './tax-rate.entity';

export * from './billing-enums';
export { Discount, PricePlan, PricePlanVersion, Product, ProductCharge, TaxRate };

export const catalogEntities = [Product, PricePlan, PricePlanVersion, ProductCharge, TaxRate, Discount];
