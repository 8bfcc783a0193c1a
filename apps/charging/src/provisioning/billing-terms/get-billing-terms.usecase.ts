import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { BillingAccount } from '@app/db/core';
import { ProvisioningError } from '../provisioning-error';

@Injectable()
export class GetBillingTermsUseCase {
  constructor(private readonly em: EntityManager) {}

  async execute(cmd: { accountId: string }): Promise<BillingAccount> {
    const account = await this.em.fork().findOne(BillingAccount, cmd.accountId);
    if (account === null) throw ProvisioningError.notFound('billing account', cmd.accountId);
    return account;
  }
}
