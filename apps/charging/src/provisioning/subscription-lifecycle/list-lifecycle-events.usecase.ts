import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { Subscription, SubscriptionLifecycleEvent } from '@app/db/provisioning';
import { PAGE_SIZE_MAX } from '../provisioning.limits';
import { ProvisioningError } from '../provisioning-error';

/** A subscription's lifecycle events in the order they took effect (at most PAGE_SIZE_MAX). */
@Injectable()
export class ListLifecycleEventsUseCase {
  constructor(private readonly em: EntityManager) {}

  async execute(cmd: { subscriptionId: string }): Promise<SubscriptionLifecycleEvent[]> {
    const em = this.em.fork();
    const events = await em.find(
      SubscriptionLifecycleEvent,
      { subscriptionId: cmd.subscriptionId },
      { orderBy: { id: 'asc' }, limit: PAGE_SIZE_MAX },
    );
    if (events.length === 0 && (await em.findOne(Subscription, cmd.subscriptionId)) === null) {
      throw ProvisioningError.notFound('subscription', cmd.subscriptionId);
    }
    return events;
  }
}
