import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, LockMode } from '@mikro-orm/postgresql';
import { BillingAccount } from '@app/db/core';
import { CLOCK, type Clock } from '@app/observability';
import type { Actor } from '../auth/actor';
import { ProvisioningError } from '../provisioning-error';
import { audit } from '../shared/audit';
import { Projector } from '../shared/projector';
import { checkStatusChange } from './update-account.usecase';

export interface ChangeAccountStatusCommand {
  actor: Actor;
  accountId: string;
  /** Bar: the engine denies service; soft bar: only free services; unbar: back to ACTIVE. */
  status: 'BARRED' | 'SOFT_BARRED' | 'ACTIVE';
}

const AUDIT_ACTIONS = {
  BARRED: 'billing_account.bar',
  SOFT_BARRED: 'billing_account.soft_bar',
  ACTIVE: 'billing_account.unbar',
} as const;

/**
 * Bars, soft-bars or un-bars an account; any of the three levels may follow any other (a soft bar on
 * a barred account lowers the bar). Idempotent: barring a barred account changes nothing and writes
 * no audit row, but still re-applies the status to the engine (which also repairs a lost projection).
 */
@Injectable()
export class ChangeAccountStatusUseCase {
  constructor(
    private readonly em: EntityManager,
    private readonly projector: Projector,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(cmd: ChangeAccountStatusCommand): Promise<BillingAccount> {
    const em = this.em.fork();
    const now = new Date(this.clock.nowMs());
    const account = await em.transactional(async (tx) => {
      const a = await tx.findOne(BillingAccount, cmd.accountId, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (a === null) throw ProvisioningError.notFound('billing account', cmd.accountId);
      checkStatusChange(a, cmd.status);
      if (a.status === cmd.status) return a;
      audit(tx, cmd.actor, AUDIT_ACTIONS[cmd.status], 'billing_account', a.id, { from: a.status, to: cmd.status }, now);
      a.status = cmd.status;
      a.updatedAt = now;
      await tx.flush();
      return a;
    });
    await this.projector.afterCommit(
      'the status change',
      { accountId: account.id, resourceId: account.id, repair: `repeat the request or run rebuild-projection for account ${account.id}` },
      () => this.projector.account(em, account),
    );
    return account;
  }
}
