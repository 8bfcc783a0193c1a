import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, LockMode, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { PricePlan, PricePlanVersion } from '@app/db/catalog';
import { CLOCK, type Clock } from '@app/observability';
import type { PricePlan as RatingPlan } from '@app/rating';
import type { Actor } from '../auth/actor';
import { ProvisioningError, ProvisioningErrorCode } from '../provisioning-error';
import { audit } from '../shared/audit';
import { Projector } from '../shared/projector';
import type { AddPlanVersionBody } from './catalog.dto';
import { parsePlanInput } from './plan-input';

export class AddPlanVersionCommand {
  private constructor(
    readonly actor: Actor,
    readonly planId: string,
    readonly plan: RatingPlan,
  ) {}

  static create(actor: Actor, planId: string, b: AddPlanVersionBody): AddPlanVersionCommand {
    const plan = parsePlanInput(b.plan);
    if (plan.id !== planId) throw ProvisioningError.invalid('plan.id', `must be ${planId}, the plan this version belongs to`);
    return new AddPlanVersionCommand(actor, planId, plan);
  }
}

/**
 * Adds a newer version of a price plan and makes it current. The engine key `plan:<id>` is
 * overwritten, so every subscriber routed to the plan is rated with the new version from then on.
 */
@Injectable()
export class AddPlanVersionUseCase {
  constructor(
    private readonly em: EntityManager,
    private readonly projector: Projector,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(cmd: AddPlanVersionCommand): Promise<{ plan: PricePlan; version: PricePlanVersion }> {
    const now = new Date(this.clock.nowMs());
    const { version, currency } = cmd.plan;
    let saved: { plan: PricePlan; version: PricePlanVersion };
    try {
      saved = await this.em.fork().transactional(async (em) => {
        const plan = await em.findOne(PricePlan, cmd.planId, { lockMode: LockMode.PESSIMISTIC_WRITE });
        if (plan === null) throw ProvisioningError.notFound('price plan', cmd.planId);
        if (version <= plan.currentVersion)
          throw new ProvisioningError(
            ProvisioningErrorCode.ALREADY_EXISTS,
            `version ${version} is not newer than the current version ${plan.currentVersion}`,
            { field: 'plan.version' },
          );
        if (currency !== plan.currency)
          throw ProvisioningError.precondition(
            `price plan ${plan.id} is in ${plan.currency}; a version cannot change the currency of the accounts using it`,
            'plan.currency',
          );
        audit(em, cmd.actor, 'price_plan.add_version', 'price_plan', plan.id, { from: plan.currentVersion, to: version }, now);
        plan.currentVersion = version;
        plan.name = cmd.plan.name;
        plan.updatedAt = now;
        const row = em.create(PricePlanVersion, { plan: plan.id, version, planJson: cmd.plan, createdAt: now });
        await em.flush();
        return { plan, version: row };
      });
    } catch (e) {
      if (e instanceof UniqueConstraintViolationException)
        throw new ProvisioningError(ProvisioningErrorCode.ALREADY_EXISTS, `version ${version} of ${cmd.planId} exists`, {
          field: 'plan.version',
        });
      throw e;
    }
    await this.projector.afterCommit('the price plan version', { resourceId: cmd.planId, repair: 'run rebuild-projection --all' }, () =>
      this.projector.plan(cmd.planId, cmd.plan),
    );
    return saved;
  }
}
