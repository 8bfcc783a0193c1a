import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { Subscription } from '@app/db/provisioning';
import { ProvisioningError } from '../provisioning-error';

@Injectable()
export class GetSubscriptionUseCase {
  constructor(private readonly em: EntityManager) {}

  async execute(cmd: { subscriptionId: string }): Promise<Subscription> {
    const subscription = await this.em.fork().findOne(Subscription, cmd.subscriptionId);
    if (subscription === null) throw ProvisioningError.notFound('subscription', cmd.subscriptionId);
    return subscription;
  }
}
