import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { PricePlan, Product } from '@app/db/catalog';
import { PAGE_SIZE_MAX } from '../provisioning.limits';
import { ProvisioningError } from '../provisioning-error';

@Injectable()
export class GetProductUseCase {
  constructor(private readonly em: EntityManager) {}

  async execute(cmd: { productId: string }): Promise<{ product: Product; pricePlanIds: string[] }> {
    const em = this.em.fork();
    const product = await em.findOne(Product, cmd.productId);
    if (product === null) throw ProvisioningError.notFound('product', cmd.productId);
    const plans = await em.find(PricePlan, { product: product.id }, { fields: ['id'], orderBy: { id: 'asc' }, limit: PAGE_SIZE_MAX });
    return { product, pricePlanIds: plans.map((p) => p.id) };
  }
}
