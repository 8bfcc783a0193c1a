import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { BillingAccount } from '@app/db/core';
import { Subscription } from '@app/db/provisioning';
import { PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX } from '../provisioning.limits';
import { ProvisioningError } from '../provisioning-error';

/** The subscriptions of an account, by id, one keyset page at a time. */
@Injectable()
export class ListSubscriptionsUseCase {
  constructor(private readonly em: EntityManager) {}

  async execute(cmd: { accountId: string; limit?: number; after?: string }): Promise<{ items: Subscription[]; next: string | null }> {
    const em = this.em.fork();
    if ((await em.count(BillingAccount, { id: cmd.accountId })) === 0) throw ProvisioningError.notFound('billing account', cmd.accountId);
    const limit = Math.min(cmd.limit ?? PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX);
    const where = cmd.after === undefined ? { account: cmd.accountId } : { account: cmd.accountId, id: { $gt: cmd.after } };
    const rows = await em.find(Subscription, where, { orderBy: { id: 'asc' }, limit: limit + 1 });
    const items = rows.slice(0, limit);
    return { items, next: rows.length > limit ? items[items.length - 1].id : null };
  }
}
