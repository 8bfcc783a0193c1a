import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Discount, Product, ProductCharge } from '@app/db/catalog';
import { CLOCK, type Clock } from '@app/observability';
import type { Actor } from '../auth/actor';
import { parseValidity } from '../billing-catalog/billing-catalog.rules';
import { ProvisioningError, ProvisioningErrorCode } from '../provisioning-error';
import { audit } from '../shared/audit';
import { ID_GENERATOR, type IdGenerator } from '../shared/ids';
import type { CreateDiscountBody } from './discount.dto';
import { discountTarget, discountValue, requiredProducts, type DiscountTarget, type DiscountValue } from './discount-rules';

export class CreateDiscountCommand {
  private constructor(
    readonly actor: Actor,
    readonly id: string | undefined,
    readonly name: string,
    readonly value: DiscountValue,
    readonly target: DiscountTarget,
    readonly requiredProductIds: string[],
    readonly validFrom: string,
    readonly validTo: string | null,
  ) {}

  static create(actor: Actor, b: CreateDiscountBody): CreateDiscountCommand {
    const name = b.name.trim();
    if (name === '') throw ProvisioningError.invalid('name', 'must not be blank');
    const value = discountValue(b);
    const target = discountTarget(b);
    const { validFrom, validTo } = parseValidity(b.validFrom, b.validTo);
    return new CreateDiscountCommand(actor, b.id, name, value, target, requiredProducts(b.requiredProductIds), validFrom, validTo);
  }
}

/** Creates a discount; the charge it targets and the products of its condition must exist. */
@Injectable()
export class CreateDiscountUseCase {
  constructor(
    private readonly em: EntityManager,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  async execute(cmd: CreateDiscountCommand): Promise<Discount> {
    const id = cmd.id ?? this.ids.newId('dis');
    const now = new Date(this.clock.nowMs());
    try {
      return await this.em.fork().transactional(async (em) => {
        const charge = cmd.target.chargeId === null ? null : await em.findOne(ProductCharge, cmd.target.chargeId);
        if (cmd.target.chargeId !== null && charge === null) {
          throw ProvisioningError.precondition(`charge ${cmd.target.chargeId} does not exist`, 'chargeId');
        }
        if (charge !== null && cmd.value.currency !== null && charge.currency !== cmd.value.currency) {
          throw ProvisioningError.precondition(
            `charge ${charge.id} is in ${charge.currency}, the discount in ${cmd.value.currency}`,
            'currency',
          );
        }
        const found = await em.find(Product, { id: { $in: cmd.requiredProductIds } }, { fields: ['id'] });
        const missing = cmd.requiredProductIds.filter((p) => !found.some((f) => f.id === p));
        if (missing.length > 0) throw ProvisioningError.precondition(`products ${missing.join(', ')} do not exist`, 'requiredProductIds');
        const fields = {
          name: cmd.name,
          ...cmd.value,
          scope: cmd.target.scope,
          service: cmd.target.service,
          requiredProductIds: cmd.requiredProductIds,
          validFrom: cmd.validFrom,
          validTo: cmd.validTo,
        };
        const discount = em.create(Discount, { id, ...fields, charge, createdAt: now });
        const details = {
          ...fields,
          chargeId: cmd.target.chargeId,
          amountMinor: cmd.value.amountMinor === null ? null : String(cmd.value.amountMinor),
        };
        audit(em, cmd.actor, 'discount.create', 'discount', id, details, now);
        await em.flush();
        return discount;
      });
    } catch (e) {
      if (e instanceof UniqueConstraintViolationException) {
        throw new ProvisioningError(ProvisioningErrorCode.ALREADY_EXISTS, `a discount with id ${id} already exists`);
      }
      throw e;
    }
  }
}
