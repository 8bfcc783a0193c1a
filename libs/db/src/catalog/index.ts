/**
 * catalog: what is sold. Products and price plans, each plan version an immutable JSON row. Written by
 * apps/charging (provisioning); depends on no other context (core and provisioning point at it).
 */
import { PricePlan, PricePlanVersion } from './price-plan.entity';
import { Product } from './product.entity';

export { PricePlan, PricePlanVersion, Product };

export const catalogEntities = [Product, PricePlan, PricePlanVersion];
