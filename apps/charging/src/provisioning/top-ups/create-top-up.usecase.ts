import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { BillingAccount } from '@app/db/core';
import { TopUp } from '@app/db/provisioning';
import { CLOCK, type Clock } from '@app/observability';
import type { Actor } from '../auth/actor';
import { IDEMPOTENCY_KEY_PATTERN, TOPUP_INSERT_ATTEMPTS_MAX } from '../provisioning.limits';
import { ProvisioningError, ProvisioningErrorCode } from '../provisioning-error';
import { ID_GENERATOR, type IdGenerator } from '../shared/ids';
import { parseMoneyField } from '../shared/money-view';
import { checkTopUpHeadroom } from '../shared/engine-limits';
import { isPermanentRefusal, ProjectionFailures } from '../shared/projection-failures';
import { Projector } from '../shared/projector';
import { BALANCE_ENGINE, type BalanceEngine } from '../../balance/balance-engine.port';
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
    if (headerKey !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(headerKey))
      throw ProvisioningError.invalid('Idempotency-Key', 'must be 1 to 120 printable ASCII characters without "|"');
    if (headerKey !== undefined && b.idempotencyKey !== undefined && headerKey !== b.idempotencyKey)
      throw ProvisioningError.invalid('idempotencyKey', 'differs from the Idempotency-Key header');
    const key = headerKey ?? b.idempotencyKey;
    if (key === undefined) throw ProvisioningError.invalid('idempotencyKey', 'send an Idempotency-Key header or an idempotencyKey field');
    return new CreateTopUpCommand(actor, accountId, key, parseMoneyField('amount', b.amount, { min: 1n }));
  }

  /** What makes two requests with one key "the same": account and amount in micros ("5" = "5.00"). */
  get requestHash(): string {
    return createHash('sha256').update(`${this.accountId}\n${this.amountMicros}`).digest('hex');
  }
}

/**
 * A new top-up in one statement, run in the transaction of the limit check (CreateTopUpUseCase.commit)
 * that holds the account row lock: the top_up row is inserted unless the account is not a PREPAID one,
 * is CLOSED, or already has a top-up with this key (ON CONFLICT covers a concurrent insert), and
 * with it the TOPUP ledger entry and the audit row. The result row says which case it was: the
 * locked account's type and status, the id of an earlier top-up with the key (as of the
 * statement's snapshot), and the inserted row's columns (all null when nothing was inserted).
 * Parameters: account id, key, new id, request hash, amount micros, now, actor, audit details.
 */
const INSERT_TOP_UP_SQL = `with acct as (
    select "id", "type", "status" from "billing_account" where "id" = ?::varchar for update
  ), prior as (
    select t."id" from "top_up" t, acct a where t."account_id" = a."id" and t."idempotency_key" = ?::varchar
  ), ins as (
    insert into "top_up" ("id", "account_id", "idempotency_key", "request_hash", "amount_micros", "created_at", "projected_at")
    select ?::varchar, a."id", ?::varchar, ?::char(64), ?::bigint, ?::timestamptz, null from acct a
     where a."type" = 'PREPAID' and a."status" <> 'CLOSED' and not exists (select 1 from prior)
    on conflict ("account_id", "idempotency_key") do nothing
    returning *
  ), ledger as (
    insert into "ledger_entry" ("account_id", "kind", "amount_micros", "reference", "created_at")
    select i."account_id", 'TOPUP', i."amount_micros", 'topup:' || i."id", i."created_at" from ins i
  ), audit as (
    insert into "audit_log" ("actor", "action", "entity_type", "entity_id", "details", "created_at")
    select ?::text, 'top_up.create', 'top_up', i."id", ?::jsonb, i."created_at" from ins i
  )
  select (select "type" from acct) as "locked_type", (select "status" from acct) as "locked_status",
         (select "id" from prior) as "prior_id", i.*
    from (select 1) as one left join ins i on true`;

interface InsertTopUpRow {
  locked_type: string | null;
  locked_status: string | null;
  prior_id: string | null;
  id: string | null;
  account_id: string | null;
  idempotency_key: string | null;
  request_hash: string | null;
  amount_micros: string | null;
  created_at: Date | null;
  projected_at: Date | null;
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
    @Inject(BALANCE_ENGINE) private readonly engine: BalanceEngine,
    private readonly failures: ProjectionFailures,
  ) {}

  async execute(cmd: CreateTopUpCommand): Promise<TopUpResult> {
    const em = this.em.fork();
    const result = await this.commitOnce(em, cmd);
    await projectTopUp(this.projector, this.failures, em, result, 'the top-up', 'retry the same request with the same Idempotency-Key');
    return result;
  }

  /** A concurrent request with the same key may win the insert; then its row is the answer. */
  private async commitOnce(em: EntityManager, cmd: CreateTopUpCommand): Promise<TopUpResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.commit(em, cmd);
      } catch (e) {
        if (!(e instanceof ConcurrentTopUp) || attempt >= TOPUP_INSERT_ATTEMPTS_MAX) throw e;
      }
    }
  }

  /**
   * One transaction: the account row locked (top-ups of one account serialise here, so the limit
   * check below sees every earlier one), the engine's limit checked unless this is a retry of an
   * existing key, then INSERT_TOP_UP_SQL.
   */
  private async commit(em: EntityManager, cmd: CreateTopUpCommand): Promise<TopUpResult> {
    return em.transactional(async (tx) => {
      const conn = tx.getConnection();
      const ctx = tx.getTransactionContext();
      const accounts = await conn.execute<Record<string, unknown>[]>(
        'select * from "billing_account" where "id" = ? for update',
        [cmd.accountId],
        'all',
        ctx,
      );
      if (accounts.length === 0) throw ProvisioningError.notFound('billing account', cmd.accountId);
      const account = em.map(BillingAccount, accounts[0]);
      if (account.type === 'PREPAID' && account.status !== 'CLOSED') await this.checkLimit(tx, cmd);
      const now = new Date(this.clock.nowMs());
      const id = this.ids.newId('top');
      const details = JSON.stringify({ accountId: account.id, idempotencyKey: cmd.idempotencyKey, amountMicros: String(cmd.amountMicros) });
      const [row] = await conn.execute<InsertTopUpRow[]>(
        INSERT_TOP_UP_SQL,
        [account.id, cmd.idempotencyKey, id, cmd.idempotencyKey, cmd.requestHash, String(cmd.amountMicros), now, cmd.actor, details],
        'all',
        ctx,
      );
      if (row.id !== null) {
        const { locked_type: _t, locked_status: _s, prior_id: _p, ...columns } = row;
        return { topUp: em.map(TopUp, columns), account, replayed: false };
      }
      if (row.prior_id !== null) {
        const existing = await tx.findOneOrFail(TopUp, row.prior_id);
        if (existing.requestHash !== cmd.requestHash) {
          throw new ProvisioningError(
            ProvisioningErrorCode.IDEMPOTENCY_CONFLICT,
            `idempotency key ${cmd.idempotencyKey} was used for another top-up (${existing.id}) with different content`,
            { field: 'idempotencyKey' },
          );
        }
        em.merge(existing);
        return { topUp: existing, account, replayed: true };
      }
      if (row.locked_type !== 'PREPAID')
        throw ProvisioningError.precondition(`billing account ${account.id} is POSTPAID; its payments are booked by collections`);
      if (row.locked_status === 'CLOSED') throw ProvisioningError.precondition(`billing account ${account.id} is CLOSED`);
      // Nothing inserted, no earlier top-up in this statement's snapshot: a concurrent request with
      // the same key inserted it meanwhile (ON CONFLICT). The next attempt sees its row.
      throw new ConcurrentTopUp();
    });
  }

  /**
   * Under the account row lock: the balance after this top-up and those not yet credited stays
   * within AMOUNT_MAX_MICROS (engine-limits.ts). A retry of an existing key is not checked (it
   * adds nothing). The balance is the engine's; when the engine lost the account, the ledger sum
   * (opening and every top-up: at least what a restore starts from, since usage only lowers it).
   */
  private async checkLimit(tx: EntityManager, cmd: CreateTopUpCommand): Promise<void> {
    const conn = tx.getConnection();
    const ctx = tx.getTransactionContext();
    // A statement of its own, after the lock: a statement that waited for the row lock would still
    // read the other tables as of its start, missing a top-up committed while it waited.
    const [sums] = await conn.execute<Array<{ prior: boolean; pending: string; ledger: string }>>(
      `select exists (select 1 from "top_up" where "account_id" = ? and "idempotency_key" = ?) as "prior",
              (select coalesce(sum("amount_micros"), 0) from "top_up" where "account_id" = ? and "projected_at" is null)::text as "pending",
              (select coalesce(sum("amount_micros"), 0) from "ledger_entry" where "account_id" = ?)::text as "ledger"`,
      [cmd.accountId, cmd.idempotencyKey, cmd.accountId, cmd.accountId],
      'all',
      ctx,
    );
    if (sums.prior) return;
    // Read after the pending sum: a top-up credited in between is then in the engine's balance.
    const engine = await this.engine.getBalance(cmd.accountId, this.clock.nowMs());
    const [balanceMicros, pendingMicros] = engine === undefined ? [BigInt(sums.ledger), 0n] : [engine.balanceMicros, BigInt(sums.pending)];
    checkTopUpHeadroom({ accountId: cmd.accountId, balanceMicros, pendingMicros, amountMicros: cmd.amountMicros });
  }
}

/**
 * The projection step of a committed top-up or reversal (its credit, or the whole account when the engine
 * lost it): a refusal for good is recorded as a projection failure, anything else is PROJECTION_PENDING.
 */
export async function projectTopUp(
  projector: Projector,
  failures: ProjectionFailures,
  em: EntityManager,
  result: TopUpResult,
  what: string,
  repair: string,
): Promise<void> {
  await projector.afterCommit(what, { accountId: result.account.id, resourceId: result.topUp.id, repair }, () =>
    projector.topUpOrAccount(em, result.topUp, result.account).catch(async (err: unknown) => {
      throw isPermanentRefusal(err) ? await failures.topUpFailed(em, result.topUp, err) : err;
    }),
  );
}

/** Another request with the same key won the insert between snapshot and conflict check. */
class ConcurrentTopUp extends Error {}
