import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, LockMode } from '@mikro-orm/postgresql';
import { Subscription } from '@app/db/provisioning';
import { AuditLog } from '@app/db/audit';
import { CLOCK, type Clock } from '@app/observability';
import type { Actor } from '../auth/actor';
import { ProvisioningError } from '../provisioning-error';
import { audit } from '../shared/audit';
import { Projector } from '../shared/projector';

export interface DeleteSubscriptionCommand {
  actor: Actor;
  subscriptionId: string;
}

/** What a deleted subscription was; kept in its audit row. */
export interface DeletedSubscription {
  id: string;
  msisdn: string;
  imsi: string;
  accountId: string;
  productId: string;
  createdAt: string;
}

const DELETE_ACTION = 'subscription.delete';

/**
 * Deletes a subscription (its audit row keeps what it was) and unroutes its MSISDN and IMSI.
 * Idempotent: deleting an already deleted subscription answers the same and unroutes again, which
 * is how a failed unroute is repaired (the rebuild cannot see routes of deleted subscriptions).
 * An identity that another subscription has taken since is left routed.
 */
@Injectable()
export class DeleteSubscriptionUseCase {
  constructor(
    private readonly em: EntityManager,
    private readonly projector: Projector,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(cmd: DeleteSubscriptionCommand): Promise<DeletedSubscription> {
    const em = this.em.fork();
    const removed = (await this.remove(em, cmd)) ?? (await this.previouslyRemoved(em, cmd.subscriptionId));
    await this.projector.afterCommit(
      'the subscription deletion',
      { accountId: removed.accountId, resourceId: removed.id, repair: 'repeat the DELETE to remove the routes' },
      async () => {
        const reused = await em.find(Subscription, { $or: [{ msisdn: removed.msisdn }, { imsi: removed.imsi }] });
        const ids = [removed.msisdn, removed.imsi].filter((x) => !reused.some((s) => s.msisdn === x || s.imsi === x));
        await this.projector.unrouteIdentities(ids);
      },
    );
    return removed;
  }

  private async remove(em: EntityManager, cmd: DeleteSubscriptionCommand): Promise<DeletedSubscription | undefined> {
    const now = new Date(this.clock.nowMs());
    return em.transactional(async (tx) => {
      const s = await tx.findOne(Subscription, cmd.subscriptionId, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (s === null) return undefined;
      const snapshot: DeletedSubscription = {
        id: s.id,
        msisdn: s.msisdn,
        imsi: s.imsi,
        accountId: s.account.id,
        productId: s.product.id,
        createdAt: s.createdAt.toISOString(),
      };
      audit(tx, cmd.actor, DELETE_ACTION, 'subscription', s.id, { ...snapshot }, now);
      tx.remove(s);
      await tx.flush();
      return snapshot;
    });
  }

  private async previouslyRemoved(em: EntityManager, id: string): Promise<DeletedSubscription> {
    const row = await em.findOne(
      AuditLog,
      { entityType: 'subscription', entityId: id, action: DELETE_ACTION },
      { orderBy: { id: 'desc' } },
    );
    if (row === null) throw ProvisioningError.notFound('subscription', id);
    return row.details as unknown as DeletedSubscription; // written by remove() above with exactly this shape
  }
}
