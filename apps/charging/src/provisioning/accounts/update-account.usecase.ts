import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, LockMode } from '@mikro-orm/postgresql';
import type { AccountStatus } from '@app/db';
import { BillingAccount } from '@app/db/core';
import { CLOCK, type Clock } from '@app/observability';
import type { Actor } from '../auth/actor';
import { ProvisioningError } from '../provisioning-error';
import { audit } from '../shared/audit';
import { parseMoneyField } from '../shared/money-view';
import { BALANCE_ENGINE, type BalanceEngine } from '../../balance/balance-engine.port';
import { checkCreditHeadroom } from '../shared/engine-limits';
import { Projector } from '../shared/projector';
import type { UpdateAccountBody } from './account.dto';
import { parseThresholds } from './account-rules';

export class UpdateAccountCommand {
  private constructor(
    readonly actor: Actor,
    readonly accountId: string,
    readonly thresholdsMicros: bigint[] | undefined,
    readonly creditLimitMicros: bigint | undefined,
    readonly status: AccountStatus | undefined,
  ) {}

  static create(actor: Actor, accountId: string, b: UpdateAccountBody): UpdateAccountCommand {
    if (b.thresholds === undefined && b.creditLimit === undefined && b.status === undefined) {
      throw ProvisioningError.invalid('(body)', 'name at least one of thresholds, creditLimit, status');
    }
    const thresholds = b.thresholds === undefined ? undefined : parseThresholds(b.thresholds);
    const creditLimit = b.creditLimit === undefined ? undefined : parseMoneyField('creditLimit', b.creditLimit, { min: 0n });
    return new UpdateAccountCommand(actor, accountId, thresholds, creditLimit, b.status);
  }
}

/** A status change is allowed unless the account is CLOSED (closing is final). */
export function checkStatusChange(account: BillingAccount, to: AccountStatus): void {
  if (account.status === 'CLOSED' && to !== 'CLOSED')
    throw ProvisioningError.precondition(`billing account ${account.id} is CLOSED; closing is final`, 'status');
}

/** Updates thresholds, credit limit and/or status, then re-projects the account's static fields. */
@Injectable()
export class UpdateAccountUseCase {
  constructor(
    private readonly em: EntityManager,
    private readonly projector: Projector,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(BALANCE_ENGINE) private readonly engine: BalanceEngine,
  ) {}

  async execute(cmd: UpdateAccountCommand): Promise<BillingAccount> {
    const em = this.em.fork();
    const now = new Date(this.clock.nowMs());
    const account = await em.transactional(async (tx) => {
      const a = await tx.findOne(BillingAccount, cmd.accountId, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (a === null) throw ProvisioningError.notFound('billing account', cmd.accountId);
      if (cmd.creditLimitMicros !== undefined && cmd.creditLimitMicros !== 0n && a.type === 'PREPAID') {
        throw ProvisioningError.precondition(`billing account ${a.id} is PREPAID; its credit limit stays 0`, 'creditLimit');
      }
      if (cmd.status !== undefined) checkStatusChange(a, cmd.status);
      if (cmd.creditLimitMicros !== undefined && a.type === 'POSTPAID') await this.checkCreditLimit(tx, a.id, cmd.creditLimitMicros);
      const before = { thresholdsMicros: a.thresholdsMicros.map(String), creditLimitMicros: String(a.creditLimitMicros), status: a.status };
      if (cmd.thresholdsMicros !== undefined) a.thresholdsMicros = cmd.thresholdsMicros;
      if (cmd.creditLimitMicros !== undefined) a.creditLimitMicros = cmd.creditLimitMicros;
      if (cmd.status !== undefined) a.status = cmd.status;
      a.updatedAt = now;
      const after = { thresholdsMicros: a.thresholdsMicros.map(String), creditLimitMicros: String(a.creditLimitMicros), status: a.status };
      audit(tx, cmd.actor, 'billing_account.update', 'billing_account', a.id, { before, after }, now);
      await tx.flush();
      return a;
    });
    await this.projector.afterCommit(
      'the account change',
      { accountId: account.id, resourceId: account.id, repair: `run rebuild-projection for account ${account.id}` },
      () => this.projector.account(em, account),
    );
    return account;
  }

  /**
   * The engine refuses balance + credit limit beyond AMOUNT_MAX_MICROS (engine-limits.ts). The
   * balance is the engine's; when it lost the account, the ledger sum (what a restore starts from
   * at most: usage only lowers it). A postpaid balance rises only by refunds, back to where it stood
   * before their debits, so a check and then the commit is safe against concurrent charging.
   */
  private async checkCreditLimit(tx: EntityManager, accountId: string, creditLimitMicros: bigint): Promise<void> {
    const engine = await this.engine.getBalance(accountId, this.clock.nowMs());
    let balanceMicros = engine?.balanceMicros;
    if (balanceMicros === undefined) {
      const [row] = await tx
        .getConnection()
        .execute<Array<{ sum: string }>>(
          'select coalesce(sum("amount_micros"), 0)::text as "sum" from "ledger_entry" where "account_id" = ?',
          [accountId],
          'all',
          tx.getTransactionContext(),
        );
      balanceMicros = BigInt(row.sum);
    }
    checkCreditHeadroom({ accountId, balanceMicros, creditLimitMicros, field: 'creditLimit' });
  }
}
