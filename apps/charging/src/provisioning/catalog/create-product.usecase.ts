import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Product } from '@app/db/catalog';
import { CLOCK, type Clock } from '@app/observability';
import type { Actor } from '../auth/actor';
import { ProvisioningError, ProvisioningErrorCode } from '../provisioning-error';
import { audit } from '../shared/audit';
import { ID_GENERATOR, type IdGenerator } from '../shared/ids';
import type { CreateProductBody } from './catalog.dto';

export class CreateProductCommand {
  private constructor(
    readonly actor: Actor,
    readonly id: string | undefined,
    readonly name: string,
    readonly description: string | null,
  ) {}

  static create(actor: Actor, b: CreateProductBody): CreateProductCommand {
    if (b.name.trim() === '') throw ProvisioningError.invalid('name', 'must not be blank');
    return new CreateProductCommand(actor, b.id, b.name.trim(), b.description ?? null);
  }
}

/** Creates a catalog product (PostgreSQL only; its price plans are projected when they are added). */
@Injectable()
export class CreateProductUseCase {
  constructor(
    private readonly em: EntityManager,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  async execute(cmd: CreateProductCommand): Promise<Product> {
    const id = cmd.id ?? this.ids.newId('prd');
    const now = new Date(this.clock.nowMs());
    try {
      return await this.em.fork().transactional(async (em) => {
        const product = em.create(Product, { id, name: cmd.name, description: cmd.description, createdAt: now });
        audit(em, cmd.actor, 'product.create', 'product', id, { name: cmd.name, description: cmd.description }, now);
        await em.flush();
        return product;
      });
    } catch (e) {
      if (e instanceof UniqueConstraintViolationException)
        throw new ProvisioningError(ProvisioningErrorCode.ALREADY_EXISTS, `product ${id} already exists`);
      throw e;
    }
  }
}
