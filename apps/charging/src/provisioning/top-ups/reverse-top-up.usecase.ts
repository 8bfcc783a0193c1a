import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, LockMode } from '@mikro-orm/postgresql';
import { BillingAccount } from '@app/db/core';
import { LedgerEntry, TopUp } from '@app/db/provisioning';
import { CLOCK, type Clock } from '@app/observability';
import type { Actor } from '../auth/actor';
import { ProvisioningError, ProvisioningErrorCode } from '../provisioning-error';
import { audit } from '../shared/audit';
import { ID_GENERATOR, type IdGenerator } from '../shared/ids';
import { parseMoneyField } from '../shared/money-view';
import { ProjectionFailures } from '../shared/projection-failures';
import { Projector } from '../shared/projector';
import { projectTopUp, type TopUpResult } from './create-top-up.usecase';
import type { ReverseTopUpBody } from './top-up.dto';

/** The idempotency key of a top-up's reversal: one per top-up. */
export const reversalKeyOf = (topUpId: string) => `reversal:${topUpId}`;

export class ReverseTopUpCommand {
  private constructor(
    readonly actor: Actor,
    readonly accountId: string,
    readonly topUpId: string,
    /** undefined: the whole top-up. */
    readonly amountMicros: bigint | undefined,
  ) {}

  static create(actor: Actor, accountId: string, topUpId: string, b: ReverseTopUpBody): ReverseTopUpCommand {
    const amount = b.amount === undefined ? undefined : parseMoneyField('amount', b.amount, { min: 1n });
    return new ReverseTopUpCommand(actor, accountId, topUpId, amount);
  }
}

/**
 * Takes a top-up back (the card payment that paid it was charged back, in whole or in part): a
 * `top_up` row of its own with the NEGATIVE amount, naming the top-up, with an ADJUSTMENT ledger entry
 * and an audit row, in one transaction under the account's row lock; then projected into the engine
 * like any top-up (its engine request id `topup:reversal:<topUpId>`), where the balance may go below
 * zero. One reversal per top-up: the same request again answers it (replayed), another amount is
 * IDEMPOTENCY_CONFLICT. A reversal is not reversed; more than the top-up is INVALID_ARGUMENT.
 */
@Injectable()
export class ReverseTopUpUseCase {
  constructor(
    private readonly em: EntityManager,
    private readonly projector: Projector,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    private readonly failures: ProjectionFailures,
  ) {}

  async execute(cmd: ReverseTopUpCommand): Promise<TopUpResult> {
    const em = this.em.fork();
    const result = await this.commit(em, cmd);
    await projectTopUp(this.projector, this.failures, em, result, 'the top-up reversal', 'retry the same request');
    return result;
  }

  private async commit(em: EntityManager, cmd: ReverseTopUpCommand): Promise<TopUpResult> {
    return em.transactional(async (tx) => {
      const account = await tx.findOne(BillingAccount, cmd.accountId, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (account === null) throw ProvisioningError.notFound('billing account', cmd.accountId);
      const original = await tx.findOne(TopUp, { id: cmd.topUpId, account: cmd.accountId });
      if (original === null) throw ProvisioningError.notFound('top-up', cmd.topUpId);
      if (original.amountMicros < 0n) throw ProvisioningError.precondition(`top-up ${original.id} is a reversal itself`, 'topUpId');
      const amount = cmd.amountMicros ?? original.amountMicros;
      if (amount > original.amountMicros) throw ProvisioningError.invalid('amount', `at most the top-up's ${original.amountMicros} micros`);
      const requestHash = createHash('sha256')
        .update(`${account.id}\n${-amount}\n${reversalKeyOf(original.id)}`)
        .digest('hex');
      const earlier = await tx.findOne(TopUp, { reversesTopUp: original.id });
      if (earlier !== null) {
        if (earlier.requestHash !== requestHash)
          throw new ProvisioningError(
            ProvisioningErrorCode.IDEMPOTENCY_CONFLICT,
            `top-up ${original.id} was reversed already (${earlier.id}) by another amount`,
            { field: 'amount' },
          );
        return { topUp: earlier, account, replayed: true };
      }
      const now = new Date(this.clock.nowMs());
      const reversal = tx.create(TopUp, {
        id: this.ids.newId('top'),
        account,
        idempotencyKey: reversalKeyOf(original.id),
        requestHash,
        amountMicros: -amount,
        createdAt: now,
        reversesTopUp: original,
      });
      tx.create(LedgerEntry, {
        account,
        kind: 'ADJUSTMENT',
        amountMicros: -amount,
        reference: `topup-reversal:${reversal.id}`,
        createdAt: now,
      });
      audit(tx, cmd.actor, 'top_up.reverse', 'top_up', reversal.id, { topUpId: original.id, amountMicros: String(amount) }, now);
      await tx.flush();
      return { topUp: reversal, account, replayed: false };
    });
  }
}
