import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, LockMode } from '@mikro-orm/postgresql';
import { LegalEntity } from '@app/db/core';
import { CLOCK, type Clock } from '@app/observability';
import type { Actor } from '../auth/actor';
import { parsePostalAddress, type PostalAddress, type PostalAddressBody, postalAddressResponse } from '../billing-catalog/postal-address';
import { ProvisioningError } from '../provisioning-error';
import { audit } from '../shared/audit';

export class PutPostalAddressCommand {
  private constructor(
    readonly actor: Actor,
    readonly legalEntityId: string,
    readonly address: PostalAddress,
  ) {}

  static create(actor: Actor, legalEntityId: string, body: PostalAddressBody): PutPostalAddressCommand {
    return new PutPostalAddressCommand(actor, legalEntityId, parsePostalAddress('', body));
  }
}

const addressOf = (e: LegalEntity) =>
  postalAddressResponse({
    street: e.postalStreet,
    additionalStreet: e.postalAdditionalStreet,
    city: e.postalCity,
    postalCode: e.postalCode,
    countryCode: e.postalCountryCode,
  });

/**
 * Sets (replaces) the structured postal address of a legal entity, the seller's address of its
 * e-invoices; audited with the address before and after. Documents already issued get their UBL at
 * the next RENDER of their run (their skip for a missing seller address is tried again).
 */
@Injectable()
export class PutPostalAddressUseCase {
  constructor(
    private readonly em: EntityManager,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(cmd: PutPostalAddressCommand): Promise<LegalEntity> {
    const now = new Date(this.clock.nowMs());
    return this.em.fork().transactional(async (em) => {
      const entity = await em.findOne(LegalEntity, cmd.legalEntityId, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (entity === null) throw ProvisioningError.notFound('legal entity', cmd.legalEntityId);
      const before = addressOf(entity);
      const a = cmd.address;
      Object.assign(entity, {
        postalStreet: a.street,
        postalAdditionalStreet: a.additionalStreet,
        postalCity: a.city,
        postalCode: a.postalCode,
        postalCountryCode: a.countryCode,
        updatedAt: now,
      });
      audit(em, cmd.actor, 'legal_entity.postal_address', 'legal_entity', entity.id, { before, after: addressOf(entity) }, now);
      await em.flush();
      return entity;
    });
  }
}
