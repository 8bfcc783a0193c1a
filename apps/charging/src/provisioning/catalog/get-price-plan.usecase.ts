import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { PricePlan, PricePlanVersion } from '@app/db/catalog';
import { ProvisioningError } from '../provisioning-error';

/** A price plan with one version's JSON: the current one unless `version` is given. */
@Injectable()
export class GetPricePlanUseCase {
  constructor(private readonly em: EntityManager) {}

  async execute(cmd: { planId: string; version?: number }): Promise<{ plan: PricePlan; version: PricePlanVersion }> {
    const em = this.em.fork();
    const plan = await em.findOne(PricePlan, cmd.planId);
    if (plan === null) throw ProvisioningError.notFound('price plan', cmd.planId);
    const wanted = cmd.version ?? plan.currentVersion;
    const version = await em.findOne(PricePlanVersion, { plan: plan.id, version: wanted });
    if (version === null) throw ProvisioningError.notFound(`version of price plan ${plan.id}`, String(wanted));
    return { plan, version };
  }
}
