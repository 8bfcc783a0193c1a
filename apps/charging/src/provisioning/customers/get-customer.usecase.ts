import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { Customer } from '@app/db/core';
import { ProvisioningError } from '../provisioning-error';

@Injectable()
export class GetCustomerUseCase {
  constructor(private readonly em: EntityManager) {}

  async execute(cmd: { customerId: string }): Promise<Customer> {
    const customer = await this.em.fork().findOne(Customer, cmd.customerId);
    if (customer === null) throw ProvisioningError.notFound('customer', cmd.customerId);
    return customer;
  }
}
