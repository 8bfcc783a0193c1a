import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { PricePlan, PricePlanVersion, Product } from '@app/db/catalog';
import { CLOCK, type Clock } from '@app/observability';
import type { PricePlan as RatingPlan } from '@app/rating';
import type { Actor } from '../auth/actor';
import { ProvisioningError, ProvisioningErrorCode } from '../provisioning-error';
import { audit } from '../shared/audit';
import { Projector } from '../shared/projector';
import type { CreatePricePlanBody } from './catalog.dto';
import { parsePlanInput } from './plan-input';

export class CreatePricePlanCommand {
  private constructor(
    readonly actor: Actor,
    readonly productId: string,
    readonly plan: RatingPlan,
  ) {}

  static create(actor: Actor, b: CreatePricePlanBody): CreatePricePlanCommand {
    return new CreatePricePlanCommand(actor, b.productId, parsePlanInput(b.plan));
  }
}

/** Creates a price plan (its id and first version come from the plan JSON) and stores it in the engine. */
@Injectable()
export class CreatePricePlanUseCase {
  constructor(
    private readonly em: EntityManager,
    private readonly projector: Projector,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(cmd: CreatePricePlanCommand): Promise<{ plan: PricePlan; version: PricePlanVersion }> {
    const now = new Date(this.clock.nowMs());
    const { id, version, name, currency } = cmd.plan;
    let saved: { plan: PricePlan; version: PricePlanVersion };
    try {
      saved = await this.em.fork().transactional(async (em) => {
        if ((await em.count(Product, { id: cmd.productId })) === 0)
          throw ProvisioningError.precondition(`product ${cmd.productId} does not exist`, 'productId');
        const plan = em.create(PricePlan, {
          id,
          product: cmd.productId,
          name,
          currency,
          currentVersion: version,
          createdAt: now,
          updatedAt: now,
        });
        const row = em.create(PricePlanVersion, { plan: id, version, planJson: cmd.plan, createdAt: now });
        audit(em, cmd.actor, 'price_plan.create', 'price_plan', id, { productId: cmd.productId, version, currency }, now);
        await em.flush();
        return { plan, version: row };
      });
    } catch (e) {
      if (e instanceof UniqueConstraintViolationException)
        throw new ProvisioningError(ProvisioningErrorCode.ALREADY_EXISTS, `price plan ${id} already exists; add a version instead`, {
          field: 'plan.id',
        });
      throw e;
    }
    await this.projector.afterCommit(
      'the price plan',
      { resourceId: id, repair: 'run rebuild-projection --all (plans are projected with the accounts using them)' },
      () => this.projector.plan(id, cmd.plan),
    );
    return saved;
  }
}
