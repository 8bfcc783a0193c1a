import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, LockMode, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import type { UsageUnit } from '@app/db';
import { BillingAccount } from '@app/db/core';
import { AllowanceGrant } from '@app/db/provisioning';
import { CLOCK, type Clock } from '@app/observability';
import type { Actor } from '../auth/actor';
import { GRANT_VALIDITY_MAX_MS, INSTANT_MAX_MS } from '../provisioning.limits';
import { ProvisioningError, ProvisioningErrorCode } from '../provisioning-error';
import { audit } from '../shared/audit';
import { ID_GENERATOR, type IdGenerator } from '../shared/ids';
import { Projector } from '../shared/projector';
import type { CreateGrantBody } from './grant.dto';

export class CreateGrantCommand {
  private constructor(
    readonly actor: Actor,
    readonly accountId: string,
    readonly id: string | undefined,
    readonly unit: UsageUnit,
    readonly ratingGroups: number[],
    readonly units: number,
    readonly validFromMs: number,
    readonly expiresAtMs: number,
  ) {}

  /** `nowMs` is the default start; a grant must end in the future, after it starts, within GRANT_VALIDITY_MAX_MS. */
  static create(actor: Actor, accountId: string, b: CreateGrantBody, nowMs: number): CreateGrantCommand {
    const from = b.validFrom === undefined ? nowMs : Date.parse(b.validFrom);
    const until = Date.parse(b.expiresAt);
    if (Number.isNaN(from)) throw ProvisioningError.invalid('validFrom', 'is not a valid instant');
    if (Number.isNaN(until)) throw ProvisioningError.invalid('expiresAt', 'is not a valid instant');
    if (from < 0) throw ProvisioningError.invalid('validFrom', 'must not be before 1970');
    if (until > INSTANT_MAX_MS) throw ProvisioningError.invalid('expiresAt', `must be before ${new Date(INSTANT_MAX_MS).toISOString()}`);
    if (until <= from) throw ProvisioningError.invalid('expiresAt', 'must be after validFrom');
    if (until <= nowMs) throw ProvisioningError.invalid('expiresAt', 'is in the past');
    if (until - from > GRANT_VALIDITY_MAX_MS)
      throw ProvisioningError.invalid('expiresAt', `the window is longer than ${GRANT_VALIDITY_MAX_MS} ms`);
    const groups = [...new Set(b.ratingGroups ?? [])].sort((x, y) => x - y);
    return new CreateGrantCommand(actor, accountId, b.id, b.unit, groups, b.units, from, until);
  }
}

/** Grants an allowance bucket to an account and projects it (the engine grants a bucket id once). */
@Injectable()
export class CreateGrantUseCase {
  constructor(
    private readonly em: EntityManager,
    private readonly projector: Projector,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  async execute(cmd: CreateGrantCommand): Promise<AllowanceGrant> {
    const em = this.em.fork();
    const grant = await this.commit(em, cmd);
    await this.projector.afterCommit(
      'the allowance',
      { accountId: cmd.accountId, resourceId: grant.id, repair: `run rebuild-projection for account ${cmd.accountId}` },
      () => this.projector.grant(grant),
    );
    return grant;
  }

  private async commit(em: EntityManager, cmd: CreateGrantCommand): Promise<AllowanceGrant> {
    const id = cmd.id ?? this.ids.newId('bkt');
    const now = new Date(this.clock.nowMs());
    try {
      return await em.transactional(async (tx) => {
        const account = await tx.findOne(BillingAccount, cmd.accountId, { lockMode: LockMode.PESSIMISTIC_READ });
        if (account === null) throw ProvisioningError.notFound('billing account', cmd.accountId);
        if (account.status === 'CLOSED') throw ProvisioningError.precondition(`billing account ${account.id} is CLOSED`);
        const grant = tx.create(AllowanceGrant, {
          id,
          account: account.id,
          unit: cmd.unit,
          ratingGroups: cmd.ratingGroups,
          units: cmd.units,
          validFrom: new Date(cmd.validFromMs),
          expiresAt: new Date(cmd.expiresAtMs),
          createdAt: now,
        });
        audit(
          tx,
          cmd.actor,
          'allowance_grant.create',
          'allowance_grant',
          id,
          {
            accountId: account.id,
            unit: cmd.unit,
            ratingGroups: cmd.ratingGroups,
            units: cmd.units,
            validFrom: grant.validFrom.toISOString(),
            expiresAt: grant.expiresAt.toISOString(),
          },
          now,
        );
        await tx.flush();
        return grant;
      });
    } catch (e) {
      if (e instanceof UniqueConstraintViolationException)
        throw new ProvisioningError(ProvisioningErrorCode.ALREADY_EXISTS, `allowance ${id} already exists`, { field: 'id' });
      throw e;
    }
  }
}
