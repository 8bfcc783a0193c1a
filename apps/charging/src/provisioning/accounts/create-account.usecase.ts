import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import type { AccountType } from '@app/db';
import { BillingAccount, Customer } from '@app/db/core';
import { PricePlan } from '@app/db/catalog';
import { LedgerEntry } from '@app/db/provisioning';
import { parseCurrency, MoneyError } from '@app/money';
import { CLOCK, type Clock } from '@app/observability';
import type { Actor } from '../auth/actor';
import { ProvisioningError, ProvisioningErrorCode } from '../provisioning-error';
import { audit } from '../shared/audit';
import { ID_GENERATOR, type IdGenerator } from '../shared/ids';
import { parseMoneyField } from '../shared/money-view';
import { checkCreditHeadroom } from '../shared/engine-limits';
import { Projector } from '../shared/projector';
import { isIanaTimeZone } from '../shared/time-zone';
import type { CreateAccountBody } from './account.dto';
import { parseCreditLimit, parseThresholds } from './account-rules';

export class CreateAccountCommand {
  private constructor(
    readonly actor: Actor,
    readonly id: string | undefined,
    readonly customerId: string,
    readonly type: AccountType,
    readonly currency: string,
    readonly timeZone: string,
    readonly cycleDay: number,
    readonly planId: string,
    readonly thresholdsMicros: bigint[],
    readonly creditLimitMicros: bigint,
    readonly initialBalanceMicros: bigint,
  ) {}

  static create(actor: Actor, b: CreateAccountBody): CreateAccountCommand {
    try {
      parseCurrency(b.currency);
    } catch (e) {
      if (e instanceof MoneyError) throw ProvisioningError.invalid('currency', e.message);
      throw e;
    }
    if (!isIanaTimeZone(b.timeZone)) throw ProvisioningError.invalid('timeZone', `"${b.timeZone}" is not an IANA time zone`);
    const thresholds = parseThresholds(b.thresholds ?? []);
    const creditLimit = parseCreditLimit(b.type, b.creditLimit);
    const initial = b.initialBalance === undefined ? 0n : parseMoneyField('initialBalance', b.initialBalance, { min: 0n });
    return new CreateAccountCommand(
      actor,
      b.id,
      b.customerId,
      b.type,
      b.currency,
      b.timeZone,
      b.cycleDay,
      b.planId,
      thresholds,
      creditLimit,
      initial,
    );
  }
}

/** Creates a billing account (with an INITIAL ledger entry for an opening balance) and projects it. */
@Injectable()
export class CreateAccountUseCase {
  constructor(
    private readonly em: EntityManager,
    private readonly projector: Projector,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  async execute(cmd: CreateAccountCommand): Promise<BillingAccount> {
    const em = this.em.fork();
    const account = await this.commit(em, cmd);
    await this.projector.afterCommit(
      'the account',
      { accountId: account.id, resourceId: account.id, repair: `run rebuild-projection for account ${account.id}` },
      () => this.projector.account(em, account, { isNew: true }),
    );
    return account;
  }

  private async commit(em: EntityManager, cmd: CreateAccountCommand): Promise<BillingAccount> {
    const id = cmd.id ?? this.ids.newId('acc');
    // The engine creates the account at its opening balance and refuses balance + credit limit beyond its maximum.
    if (cmd.type === 'POSTPAID')
      checkCreditHeadroom({
        accountId: id,
        balanceMicros: cmd.initialBalanceMicros,
        creditLimitMicros: cmd.creditLimitMicros,
        field: 'creditLimit',
      });
    const now = new Date(this.clock.nowMs());
    try {
      return await em.transactional(async (tx) => {
        if ((await tx.count(Customer, { id: cmd.customerId })) === 0)
          throw ProvisioningError.precondition(`customer ${cmd.customerId} does not exist`, 'customerId');
        const plan = await tx.findOne(PricePlan, cmd.planId);
        if (plan === null) throw ProvisioningError.precondition(`price plan ${cmd.planId} does not exist`, 'planId');
        if (plan.currency !== cmd.currency)
          throw ProvisioningError.precondition(`price plan ${plan.id} is in ${plan.currency}, not ${cmd.currency}`, 'currency');
        const account = tx.create(BillingAccount, {
          id,
          customer: cmd.customerId,
          type: cmd.type,
          currency: cmd.currency,
          timeZone: cmd.timeZone,
          cycleDay: cmd.cycleDay,
          plan: plan.id,
          thresholdsMicros: cmd.thresholdsMicros,
          creditLimitMicros: cmd.creditLimitMicros,
          status: 'ACTIVE',
          createdAt: now,
          updatedAt: now,
        });
        if (cmd.initialBalanceMicros !== 0n)
          tx.create(LedgerEntry, {
            account: id,
            kind: 'INITIAL',
            amountMicros: cmd.initialBalanceMicros,
            reference: 'account.create',
            createdAt: now,
          });
        audit(
          tx,
          cmd.actor,
          'billing_account.create',
          'billing_account',
          id,
          {
            customerId: cmd.customerId,
            type: cmd.type,
            currency: cmd.currency,
            timeZone: cmd.timeZone,
            cycleDay: cmd.cycleDay,
            planId: plan.id,
            thresholdsMicros: cmd.thresholdsMicros.map(String),
            creditLimitMicros: String(cmd.creditLimitMicros),
            initialBalanceMicros: String(cmd.initialBalanceMicros),
          },
          now,
        );
        await tx.flush();
        return account;
      });
    } catch (e) {
      if (e instanceof UniqueConstraintViolationException)
        throw new ProvisioningError(ProvisioningErrorCode.ALREADY_EXISTS, `billing account ${id} already exists`);
      throw e;
    }
  }
}
