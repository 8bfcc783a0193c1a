import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, LockMode, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { BillingAccount } from '@app/db/core';
import { Product } from '@app/db/catalog';
import { Subscription } from '@app/db/provisioning';
import { CLOCK, type Clock } from '@app/observability';
import type { Actor } from '../auth/actor';
import { ProvisioningError, ProvisioningErrorCode } from '../provisioning-error';
import { audit } from '../shared/audit';
import { recordActivation } from '../subscription-lifecycle/activation-event';
import { ID_GENERATOR, type IdGenerator } from '../shared/ids';
import { Projector } from '../shared/projector';
import type { CreateSubscriptionBody } from './subscription.dto';

export class CreateSubscriptionCommand {
  private constructor(
    readonly actor: Actor,
    readonly id: string | undefined,
    readonly msisdn: string,
    readonly imsi: string,
    readonly accountId: string,
    readonly productId: string,
  ) {}

  static create(actor: Actor, b: CreateSubscriptionBody): CreateSubscriptionCommand {
    return new CreateSubscriptionCommand(actor, b.id, b.msisdn, b.imsi, b.accountId, b.productId);
  }
}

/** Maps an MSISDN and an IMSI to an account and a product, then routes both identities in the engine. */
@Injectable()
export class CreateSubscriptionUseCase {
  constructor(
    private readonly em: EntityManager,
    private readonly projector: Projector,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  async execute(cmd: CreateSubscriptionCommand): Promise<Subscription> {
    const em = this.em.fork();
    const { account, subscription } = await this.commit(em, cmd);
    await this.projector.afterCommit(
      'the subscription',
      { accountId: account.id, resourceId: subscription.id, repair: `run rebuild-projection for account ${account.id}` },
      async () => {
        await this.projector.account(em, account);
        await this.projector.routes(account, [subscription]);
      },
    );
    return subscription;
  }

  private async commit(
    em: EntityManager,
    cmd: CreateSubscriptionCommand,
  ): Promise<{ account: BillingAccount; subscription: Subscription }> {
    const id = cmd.id ?? this.ids.newId('sub');
    const now = new Date(this.clock.nowMs());
    try {
      return await em.transactional(async (tx) => {
        // Shared lock: a concurrent close of the account waits for this subscription (and sees it).
        const account = await tx.findOne(BillingAccount, cmd.accountId, { lockMode: LockMode.PESSIMISTIC_READ });
        if (account === null) throw ProvisioningError.precondition(`billing account ${cmd.accountId} does not exist`, 'accountId');
        if (account.status === 'CLOSED') throw ProvisioningError.precondition(`billing account ${account.id} is CLOSED`, 'accountId');
        if ((await tx.count(Product, { id: cmd.productId })) === 0)
          throw ProvisioningError.precondition(`product ${cmd.productId} does not exist`, 'productId');
        const taken = await tx.findOne(Subscription, { $or: [{ msisdn: cmd.msisdn }, { imsi: cmd.imsi }] });
        if (taken !== null) throw alreadyMapped(taken, cmd);
        const subscription = tx.create(Subscription, {
          id,
          msisdn: cmd.msisdn,
          imsi: cmd.imsi,
          account: account.id,
          product: cmd.productId,
          createdAt: now,
        });
        audit(
          tx,
          cmd.actor,
          'subscription.create',
          'subscription',
          id,
          { msisdn: cmd.msisdn, imsi: cmd.imsi, accountId: account.id, productId: cmd.productId },
          now,
        );
        recordActivation(tx, { subscriptionId: id, account, productId: cmd.productId, actor: cmd.actor, atMs: now.getTime() });
        await tx.flush();
        return { account, subscription };
      });
    } catch (e) {
      if (e instanceof UniqueConstraintViolationException)
        throw new ProvisioningError(
          ProvisioningErrorCode.ALREADY_EXISTS,
          `subscription ${id}, MSISDN ${cmd.msisdn} or IMSI ${cmd.imsi} is taken`,
        );
      throw e;
    }
  }
}

function alreadyMapped(taken: Subscription, cmd: CreateSubscriptionCommand): ProvisioningError {
  const field = taken.msisdn === cmd.msisdn ? 'msisdn' : 'imsi';
  return new ProvisioningError(
    ProvisioningErrorCode.ALREADY_EXISTS,
    `${field} ${field === 'msisdn' ? cmd.msisdn : cmd.imsi} belongs to subscription ${taken.id}`,
    { field },
  );
}
