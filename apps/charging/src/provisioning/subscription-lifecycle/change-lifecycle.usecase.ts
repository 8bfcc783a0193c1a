import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, LockMode } from '@mikro-orm/postgresql';
import { Product } from '@app/db/catalog';
import { BillingAccount } from '@app/db/core';
import { Subscription, SubscriptionLifecycleEvent } from '@app/db/provisioning';
import { CLOCK, type Clock } from '@app/observability';
import type { Actor } from '../auth/actor';
import { ProvisioningError } from '../provisioning-error';
import { audit } from '../shared/audit';
import { Projector } from '../shared/projector';
import { localDate, nextStatus, type LifecycleChange } from './lifecycle-rules';

export interface ChangeLifecycleCommand {
  actor: Actor;
  subscriptionId: string;
  change: LifecycleChange;
  /** CHANGE_PRODUCT only. */
  toProductId?: string;
}

export interface LifecycleChangeResult {
  subscription: Subscription;
  event: SubscriptionLifecycleEvent;
}

/**
 * Suspends, resumes, cancels or changes the product of a subscription, now (the injected clock),
 * dated also in the account's time zone; one lifecycle event and one audit row in the same
 * transaction. The charging side follows after the commit: a subscription that leaves ACTIVE is
 * unrouted (the gateway then refuses its requests as an unknown subscriber), one that returns to
 * ACTIVE is routed again; the rebuild routes ACTIVE subscriptions only. A failed route change is
 * answered PROJECTION_PENDING and repaired by the rebuild.
 */
@Injectable()
export class ChangeLifecycleUseCase {
  constructor(
    private readonly em: EntityManager,
    private readonly projector: Projector,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(cmd: ChangeLifecycleCommand): Promise<LifecycleChangeResult> {
    const em = this.em.fork();
    const nowMs = this.clock.nowMs();
    const result = await em.transactional(async (tx) => {
      const s = await tx.findOne(Subscription, cmd.subscriptionId, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (s === null) throw ProvisioningError.notFound('subscription', cmd.subscriptionId);
      const status = nextStatus(s.id, s.status, cmd.change);
      const account = await tx.findOneOrFail(BillingAccount, s.account.id);
      const fromProductId = s.product.id;
      let toProductId: string | null = null;
      if (cmd.change === 'CHANGE_PRODUCT') {
        const product = await tx.findOne(Product, cmd.toProductId ?? '');
        if (product === null) throw ProvisioningError.precondition(`product ${cmd.toProductId} does not exist`, 'productId');
        if (product.id === fromProductId)
          throw ProvisioningError.precondition(`subscription ${s.id} already has product ${product.id}`, 'productId');
        s.product = tx.getReference(Product, product.id, { wrapped: true });
        toProductId = product.id;
      }
      const before = s.status;
      s.status = status;
      const event = tx.create(SubscriptionLifecycleEvent, {
        subscriptionId: s.id,
        accountId: account.id,
        kind: cmd.change,
        effectiveAt: new Date(nowMs),
        effectiveLocalDate: localDate(nowMs, account.timeZone),
        timeZone: account.timeZone,
        fromProductId,
        toProductId,
        actor: cmd.actor,
      });
      const details = {
        change: cmd.change,
        statusBefore: before,
        statusAfter: status,
        fromProductId,
        toProductId,
        effectiveLocalDate: event.effectiveLocalDate,
      };
      audit(tx, cmd.actor, `subscription.${cmd.change.toLowerCase()}`, 'subscription', s.id, details, new Date(nowMs));
      await tx.flush();
      return { subscription: s, event, account, before };
    });
    await this.project(result.subscription, result.account, result.before);
    return { subscription: result.subscription, event: result.event };
  }

  private async project(s: Subscription, account: BillingAccount, before: Subscription['status']): Promise<void> {
    if (before === s.status) return;
    const target = { accountId: account.id, resourceId: s.id, repair: `run rebuild-projection for account ${account.id}` };
    if (s.status === 'ACTIVE') {
      await this.projector.afterCommit('the resumption', target, () => this.projector.routes(account, [s]));
    } else if (before === 'ACTIVE') {
      await this.projector.afterCommit('the route removal', target, () => this.projector.unrouteIdentities([s.msisdn, s.imsi]));
    }
  }
}
