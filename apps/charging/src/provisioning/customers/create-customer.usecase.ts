import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Customer } from '@app/db/core';
import { CLOCK, type Clock } from '@app/observability';
import type { Actor } from '../auth/actor';
import { ProvisioningError, ProvisioningErrorCode } from '../provisioning-error';
import { audit } from '../shared/audit';
import { ID_GENERATOR, type IdGenerator } from '../shared/ids';
import type { CreateCustomerBody } from './customer.dto';

export class CreateCustomerCommand {
  private constructor(
    readonly actor: Actor,
    readonly id: string | undefined,
    readonly name: string,
    readonly email: string | null,
    readonly externalRef: string | null,
  ) {}

  static create(actor: Actor, body: CreateCustomerBody): CreateCustomerCommand {
    const name = body.name.trim();
    if (name === '') throw ProvisioningError.invalid('name', 'must not be blank');
    return new CreateCustomerCommand(actor, body.id, name, body.email ?? null, body.externalRef ?? null);
  }
}

/** Creates a customer (PostgreSQL only: customers are not projected into the balance engine). */
@Injectable()
export class CreateCustomerUseCase {
  constructor(
    private readonly em: EntityManager,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  async execute(cmd: CreateCustomerCommand): Promise<Customer> {
    const id = cmd.id ?? this.ids.newId('cus');
    const now = new Date(this.clock.nowMs());
    try {
      return await this.em.fork().transactional(async (em) => {
        const customer = em.create(Customer, {
          id,
          name: cmd.name,
          email: cmd.email,
          externalRef: cmd.externalRef,
          createdAt: now,
          updatedAt: now,
        });
        audit(em, cmd.actor, 'customer.create', 'customer', id, { name: cmd.name, email: cmd.email, externalRef: cmd.externalRef }, now);
        await em.flush();
        return customer;
      });
    } catch (e) {
      if (e instanceof UniqueConstraintViolationException) {
        throw new ProvisioningError(
          ProvisioningErrorCode.ALREADY_EXISTS,
          `a customer with id ${id} or external reference ${cmd.externalRef ?? '-'} already exists`,
        );
      }
      throw e;
    }
  }
}
