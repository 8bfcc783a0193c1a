import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { BillingAccount, TopUp } from '@app/db';
import { BalanceError, BalanceErrorCode } from '../../balance/balance.errors';
import { CLOCK, type Clock } from '@app/observability';
import type { Actor } from '../auth/actor';
import { IDEMPOTENCY_KEY_PATTERN, TOPUP_INSERT_ATTEMPTS_MAX } from '../provisioning.limits';
import { ProvisioningError, ProvisioningErrorCode } from '../provisioning-error';
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

/** Columns of the TOPUP ledger entry and of its audit row (see LedgerEntry and AuditLog in @app/db). */
const INSERT_LEDGER_AND_AUDIT_SQL = `with ledger as (
    insert into "ledger_entry" ("account_id", "kind", "amount_micros", "reference", "created_at") values (?, 'TOPUP', ?, ?, ?)
  )
  insert into "audit_log" ("actor", "action", "entity_type", "entity_id", "details", "created_at") values (?, 'top_up.create', 'top_up', ?, ?, ?)`;

async function insertLedgerAndAudit(tx: EntityManager, cmd: CreateTopUpCommand, accountId: string, topUpId: string, now: Date): Promise<void> {
  const details: Record<string, unknown> = { accountId, idempotencyKey: cmd.idempotencyKey, amountMicros: String(cmd.amountMicros) };
  await tx.getConnection().execute(
    INSERT_LEDGER_AND_AUDIT_SQL,
    [accountId, String(cmd.amountMicros), `topup:${topUpId}`, now, cmd.actor, topUpId, JSON.stringify(details), now],
    'run',
    tx.getTransactionContext(),
  );
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
    await this.projector.afterCommit('the top-up', { accountId: cmd.accountId, resourceId: result.topUp.id, repair: 'retry the same request with the same Idempotency-Key' }, () =>
      this.project(em, result),
    );
    return result;
  }

  /**
   * Credits this top-up in the engine by its request id and marks it projected (one engine call,
   * one statement; a replay whose top-up is projected already does nothing). When the engine
   * does not have the account (Redis lost it) or has it closed while PostgreSQL does not (a
   * projection that did not finish), the whole account is projected again instead: that recreates
   * it at its opening balance, sets its status, and credits every top-up of it the engine has not
   * confirmed, this one included.
   */
  private async project(em: EntityManager, r: TopUpResult): Promise<void> {
    try {
      await this.projector.topUp(em, r.topUp);
    } catch (err) {
      if (!(err instanceof BalanceError) || (err.code !== BalanceErrorCode.ACCOUNT_NOT_FOUND && err.code !== BalanceErrorCode.ACCOUNT_CLOSED)) throw err;
      await this.projector.account(em, r.account);
    }
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
      // What tx.findOne(BillingAccount, id, { lockMode: PESSIMISTIC_READ }) runs, without its query
      // builder; em.map hydrates and manages the row as findOne would.
      const rows = await tx.getConnection().execute<Record<string, unknown>[]>('select * from "billing_account" where "id" = ? limit 1 for share', [cmd.accountId], 'all', tx.getTransactionContext());
      if (rows.length === 0) throw ProvisioningError.notFound('billing account', cmd.accountId);
      const account = tx.map(BillingAccount, rows[0]);
      // Nearly every request brings a new key: a one-column probe (raw SQL, no query builder or
      // hydration) decides, and only a retry loads the earlier top-up as an entity.
      const seen = await tx.getConnection().execute<{ id: string }[]>('select "id" from "top_up" where "account_id" = ? and "idempotency_key" = ? limit 1', [account.id, cmd.idempotencyKey], 'all', tx.getTransactionContext());
      const existing = seen.length === 0 ? null : await tx.findOne(TopUp, { account: account.id, idempotencyKey: cmd.idempotencyKey });
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
      await tx.flush();
      // The ledger entry and the audit row are never read back here: one raw statement inserts both
      // (the same rows tx.create + audit() would flush), in this transaction, after the top-up row,
      // so a key lost to a concurrent request fails before them.
      await insertLedgerAndAudit(tx, cmd, account.id, id, now);
      return { topUp, account, replayed: false };
    });
  }
}
