import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, LockMode, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { BillingAccount, LedgerEntry, TopUp } from '@app/db';
import { CLOCK, type Clock } from '@app/observability';
import type { Actor } from '../auth/actor';
import { IDEMPOTENCY_KEY_PATTERN, TOPUP_INSERT_ATTEMPTS_MAX } from '../provisioning.limits';
import { ProvisioningError, ProvisioningErrorCode } from '../provisioning-error';
import { audit } from '../shared/audit';
import { ID_GENERATOR, type IdGenerator } from '../shared/ids';
import { parseMoneyField } from '../shared/money-view';
import { Projector } from '../shared/projector';
import type { CreateTopUpBody } from './top-up.dto';

export class CreateTopUpCommand {
  private constructor(
    readonly actor: Actor,
    readonly accountId: string,
    readonly idempotencyKey: string,
    readonly amountMicros: bigint,
  ) {}

  /** The key comes from the Idempotency-Key header or the body field; when both are sent they must agree. */
  static create(actor: Actor, accountId: string, b: CreateTopUpBody, headerKey: string | undefined): CreateTopUpCommand {
    if (headerKey !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(headerKey)) throw ProvisioningError.invalid('Idempotency-Key', 'must be 1 to 120 printable ASCII characters without "|"');
    if (headerKey !== undefined && b.idempotencyKey !== undefined && headerKey !== b.idempotencyKey) throw ProvisioningError.invalid('idempotencyKey', 'differs from the Idempotency-Key header');
    const key = headerKey ?? b.idempotencyKey;
    if (key === undefined) throw ProvisioningError.invalid('idempotencyKey', 'send an Idempotency-Key header or an idempotencyKey field');
    return new CreateTopUpCommand(actor, accountId, key, parseMoneyField('amount', b.amount, { min: 1n }));
  }

  /** What makes two requests with one key "the same": account and amount in micros ("5" = "5.00"). */
  get requestHash(): string {
    return createHash('sha256').update(`${this.accountId}\n${this.amountMicros}`).digest('hex');
  }
}

export interface TopUpResult {
  topUp: TopUp;
  account: BillingAccount;
  /** True when this answers a retry of an earlier request with the same key. */
  replayed: boolean;
}

/**
 * Tops up a prepaid account, once per idempotency key: the first request books a TOPUP ledger
 * entry; a retry with the same key and amount gets the first answer (and finishes the projection
 * if it did not happen); the same key with another amount is IDEMPOTENCY_CONFLICT.
 */
@Injectable()
export class CreateTopUpUseCase {
  constructor(
    private readonly em: EntityManager,
    private readonly projector: Projector,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  async execute(cmd: CreateTopUpCommand): Promise<TopUpResult> {
    const em = this.em.fork();
    const result = await this.commitOnce(em, cmd);
    // Re-projecting the account (not only the credit) also recreates an account the engine lost,
    // and credits every top-up of it the engine has not confirmed, this one included.
    await this.projector.afterCommit('the top-up', { accountId: cmd.accountId, resourceId: result.topUp.id, repair: 'retry the same request with the same Idempotency-Key' }, () =>
      this.projector.account(em, result.account),
    );
    return result;
  }

  /** A concurrent request with the same key may win the insert; then its row is the answer. */
  private async commitOnce(em: EntityManager, cmd: CreateTopUpCommand): Promise<TopUpResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.commit(em, cmd);
      } catch (e) {
        if (!(e instanceof UniqueConstraintViolationException) || attempt >= TOPUP_INSERT_ATTEMPTS_MAX) throw e;
      }
    }
  }

  private async commit(em: EntityManager, cmd: CreateTopUpCommand): Promise<TopUpResult> {
    const now = new Date(this.clock.nowMs());
    return em.transactional(async (tx) => {
      const account = await tx.findOne(BillingAccount, cmd.accountId, { lockMode: LockMode.PESSIMISTIC_READ });
      if (account === null) throw ProvisioningError.notFound('billing account', cmd.accountId);
      const existing = await tx.findOne(TopUp, { account: account.id, idempotencyKey: cmd.idempotencyKey });
      if (existing !== null) {
        if (existing.requestHash !== cmd.requestHash) {
          throw new ProvisioningError(ProvisioningErrorCode.IDEMPOTENCY_CONFLICT, `idempotency key ${cmd.idempotencyKey} was used for another top-up (${existing.id}) with different content`, { field: 'idempotencyKey' });
        }
        return { topUp: existing, account, replayed: true };
      }
      if (account.type !== 'PREPAID') throw ProvisioningError.precondition(`billing account ${account.id} is POSTPAID; its payments are booked by collections`);
      if (account.status === 'CLOSED') throw ProvisioningError.precondition(`billing account ${account.id} is CLOSED`);
      const id = this.ids.newId('top');
      const topUp = tx.create(TopUp, { id, account: account.id, idempotencyKey: cmd.idempotencyKey, requestHash: cmd.requestHash, amountMicros: cmd.amountMicros, createdAt: now, projectedAt: null });
      tx.create(LedgerEntry, { account: account.id, kind: 'TOPUP', amountMicros: cmd.amountMicros, reference: `topup:${id}`, createdAt: now });
      audit(tx, cmd.actor, 'top_up.create', 'top_up', id, { accountId: account.id, idempotencyKey: cmd.idempotencyKey, amountMicros: String(cmd.amountMicros) }, now);
      await tx.flush();
      return { topUp, account, replayed: false };
    });
  }
}
