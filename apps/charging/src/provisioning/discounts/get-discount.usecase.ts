import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { Discount } from '@app/db/catalog';
import { ProvisioningError } from '../provisioning-error';

@Injectable()
export class GetDiscountUseCase {
  constructor(private readonly em: EntityManager) {}

  async execute(cmd: { discountId: string }): Promise<Discount> {
    const discount = await this.em.fork().findOne(Discount, cmd.discountId);
    if (discount === null) throw ProvisioningError.notFound('discount', cmd.discountId);
    return discount;
  }
}
