import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { Product, ProductCharge } from '@app/db/catalog';
import { CHARGES_PER_PRODUCT_MAX } from '../billing-catalog/billing-catalog.limits';
import { ProvisioningError } from '../provisioning-error';

/** A product's charges by id (a product has at most CHARGES_PER_PRODUCT_MAX, so one page). */
@Injectable()
export class ListChargesUseCase {
  constructor(private readonly em: EntityManager) {}

  async execute(cmd: { productId: string }): Promise<ProductCharge[]> {
    const em = this.em.fork();
    if ((await em.findOne(Product, cmd.productId)) === null) throw ProvisioningError.notFound('product', cmd.productId);
    return em.find(ProductCharge, { product: cmd.productId }, { orderBy: { id: 'asc' }, limit: CHARGES_PER_PRODUCT_MAX });
  }
}
