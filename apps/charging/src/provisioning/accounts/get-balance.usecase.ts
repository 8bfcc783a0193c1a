import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { BillingAccount } from '@app/db/core';
import { CLOCK, type Clock } from '@app/observability';
import { BALANCE_ENGINE, type BalanceEngine, type BalanceView } from '../../balance/balance-engine.port';
import { ProvisioningError, ProvisioningErrorCode } from '../provisioning-error';

/** The live balance, buckets and reservations: read from the balance engine, the only place they are current. */
@Injectable()
export class GetBalanceUseCase {
  constructor(
    private readonly em: EntityManager,
    @Inject(BALANCE_ENGINE) private readonly engine: BalanceEngine,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(cmd: { accountId: string }): Promise<BalanceView> {
    const view = await this.engine.getBalance(cmd.accountId, this.clock.nowMs());
    if (view !== undefined) return view;
    if ((await this.em.fork().count(BillingAccount, { id: cmd.accountId })) === 0)
      throw ProvisioningError.notFound('billing account', cmd.accountId);
    throw new ProvisioningError(
      ProvisioningErrorCode.PROJECTION_MISSING,
      `billing account ${cmd.accountId} is not in the balance engine; run rebuild-projection for it`,
      {
        accountId: cmd.accountId,
      },
    );
  }
}
