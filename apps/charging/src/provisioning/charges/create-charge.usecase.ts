import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, LockMode, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Product, ProductCharge, type TaxCategory } from '@app/db/catalog';
import { CLOCK, type Clock } from '@app/observability';
import type { Actor } from '../auth/actor';
import { CHARGES_PER_PRODUCT_MAX } from '../billing-catalog/billing-catalog.limits';
import { parseAmountMinor } from '../billing-catalog/billing-catalog.rules';
import { ProvisioningError, ProvisioningErrorCode } from '../provisioning-error';
import { audit } from '../shared/audit';
import { ID_GENERATOR, type IdGenerator } from '../shared/ids';
import type { CreateChargeBody } from './charge.dto';
import { chargeShape, type ChargeShape } from './charge-rules';

export class CreateChargeCommand {
  private constructor(
    readonly actor: Actor,
    readonly productId: string,
    readonly id: string | undefined,
    readonly name: string,
    readonly shape: ChargeShape,
    readonly amountMinor: bigint,
    readonly currency: string,
    readonly taxCategory: TaxCategory,
  ) {}

  static create(actor: Actor, productId: string, b: CreateChargeBody): CreateChargeCommand {
    const name = b.name.trim();
    if (name === '') throw ProvisioningError.invalid('name', 'must not be blank');
    const shape = chargeShape(b);
    const amountMinor = parseAmountMinor('amount', b.amount);
    return new CreateChargeCommand(actor, productId, b.id, name, shape, amountMinor, b.currency, b.taxCategory);
  }
}

/** Adds a recurring or one-time charge to a product; at most CHARGES_PER_PRODUCT_MAX per product. */
@Injectable()
export class CreateChargeUseCase {
  constructor(
    private readonly em: EntityManager,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  async execute(cmd: CreateChargeCommand): Promise<ProductCharge> {
    const id = cmd.id ?? this.ids.newId('chg');
    const now = new Date(this.clock.nowMs());
    try {
      return await this.em.fork().transactional(async (em) => {
        // The product row lock serializes charge creation per product, so the count below holds.
        const product = await em.findOne(Product, cmd.productId, { lockMode: LockMode.PESSIMISTIC_WRITE });
        if (product === null) throw ProvisioningError.notFound('product', cmd.productId);
        if ((await em.count(ProductCharge, { product: product.id })) >= CHARGES_PER_PRODUCT_MAX) {
          throw ProvisioningError.precondition(
            `product ${product.id} already has ${CHARGES_PER_PRODUCT_MAX} charges (CHARGES_PER_PRODUCT_MAX)`,
          );
        }
        const fields = { name: cmd.name, ...cmd.shape, amountMinor: cmd.amountMinor, currency: cmd.currency, taxCategory: cmd.taxCategory };
        const charge = em.create(ProductCharge, { id, product, ...fields, createdAt: now });
        audit(
          em,
          cmd.actor,
          'product_charge.create',
          'product_charge',
          id,
          { productId: product.id, ...fields, amountMinor: String(cmd.amountMinor) },
          now,
        );
        await em.flush();
        return charge;
      });
    } catch (e) {
      if (e instanceof UniqueConstraintViolationException) {
        throw new ProvisioningError(ProvisioningErrorCode.ALREADY_EXISTS, `a charge with id ${id} already exists`);
      }
      throw e;
    }
  }
}
