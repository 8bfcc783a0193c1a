import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, LockMode } from '@mikro-orm/postgresql';
import { LegalEntity } from '@app/db/core';
import { CLOCK, type Clock } from '@app/observability';
import type { Actor } from '../auth/actor';
import {
  type ElectronicAddressBody,
  type ElectronicAddressResponse,
  electronicAddressResponse,
  parseElectronicAddress,
} from '../billing-catalog/electronic-address';
import { ProvisioningError } from '../provisioning-error';
import { audit } from '../shared/audit';

export class PutElectronicAddressCommand {
  private constructor(
    readonly actor: Actor,
    readonly legalEntityId: string,
    readonly address: ElectronicAddressResponse,
  ) {}

  /** Throws INVALID_ARGUMENT naming `scheme` for a code outside the CEF EAS list. */
  static create(actor: Actor, legalEntityId: string, body: ElectronicAddressBody): PutElectronicAddressCommand {
    return new PutElectronicAddressCommand(actor, legalEntityId, parseElectronicAddress('', body));
  }
}

/**
 * Sets (replaces) the Peppol electronic address of a legal entity (EN 16931 BT-34, the seller's
 * `cbc:EndpointID`), audited with the address before and after. It goes on the e-invoices rendered
 * from then on; an issued document's UBL already stored is not rewritten (an issued document never
 * changes).
 */
@Injectable()
export class PutElectronicAddressUseCase {
  constructor(
    private readonly em: EntityManager,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(cmd: PutElectronicAddressCommand): Promise<LegalEntity> {
    const now = new Date(this.clock.nowMs());
    return this.em.fork().transactional(async (em) => {
      const entity = await em.findOne(LegalEntity, cmd.legalEntityId, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (entity === null) throw ProvisioningError.notFound('legal entity', cmd.legalEntityId);
      const before = electronicAddressResponse(entity.endpointScheme, entity.endpointId);
      Object.assign(entity, { endpointScheme: cmd.address.scheme, endpointId: cmd.address.id, updatedAt: now });
      audit(em, cmd.actor, 'legal_entity.electronic_address', 'legal_entity', entity.id, { before, after: cmd.address }, now);
      await em.flush();
      return entity;
    });
  }
}
