import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { LegalEntity } from '@app/db/core';
import { CLOCK, type Clock } from '@app/observability';
import type { Actor } from '../auth/actor';
import { isValidIban } from '../billing-catalog/billing-catalog.rules';
import { parseElectronicAddress } from '../billing-catalog/electronic-address';
import { parsePostalAddress } from '../billing-catalog/postal-address';
import { ProvisioningError, ProvisioningErrorCode } from '../provisioning-error';
import { audit } from '../shared/audit';
import { ID_GENERATOR, type IdGenerator } from '../shared/ids';
import type { CreateLegalEntityBody } from './legal-entity.dto';

export class CreateLegalEntityCommand {
  private constructor(
    readonly actor: Actor,
    readonly id: string | undefined,
    readonly fields: Pick<
      LegalEntity,
      | 'name'
      | 'address'
      | 'vatId'
      | 'iban'
      | 'numberSeriesPrefix'
      | 'postalStreet'
      | 'postalAdditionalStreet'
      | 'postalCity'
      | 'postalCode'
      | 'postalCountryCode'
      | 'endpointScheme'
      | 'endpointId'
    >,
  ) {}

  static create(actor: Actor, b: CreateLegalEntityBody): CreateLegalEntityCommand {
    const name = b.name.trim();
    const address = b.address.trim();
    if (name === '') throw ProvisioningError.invalid('name', 'must not be blank');
    if (address === '') throw ProvisioningError.invalid('address', 'must not be blank');
    if (!isValidIban(b.iban)) throw ProvisioningError.invalid('iban', 'not an IBAN (upper case, no spaces, check digits mod 97)');
    const postal = b.postalAddress == null ? undefined : parsePostalAddress('postalAddress', b.postalAddress);
    const endpoint = b.electronicAddress == null ? undefined : parseElectronicAddress('electronicAddress', b.electronicAddress);
    return new CreateLegalEntityCommand(actor, b.id, {
      name,
      address,
      vatId: b.vatId,
      iban: b.iban,
      numberSeriesPrefix: b.numberSeriesPrefix,
      postalStreet: postal?.street ?? null,
      postalAdditionalStreet: postal?.additionalStreet ?? null,
      postalCity: postal?.city ?? null,
      postalCode: postal?.postalCode ?? null,
      postalCountryCode: postal?.countryCode ?? null,
      endpointScheme: endpoint?.scheme ?? null,
      endpointId: endpoint?.id ?? null,
    });
  }
}

/** Creates a legal entity (PostgreSQL only), audited in the same transaction. */
@Injectable()
export class CreateLegalEntityUseCase {
  constructor(
    private readonly em: EntityManager,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  async execute(cmd: CreateLegalEntityCommand): Promise<LegalEntity> {
    const id = cmd.id ?? this.ids.newId('le');
    const now = new Date(this.clock.nowMs());
    try {
      return await this.em.fork().transactional(async (em) => {
        const entity = em.create(LegalEntity, { id, ...cmd.fields, createdAt: now, updatedAt: now });
        audit(em, cmd.actor, 'legal_entity.create', 'legal_entity', id, { ...cmd.fields }, now);
        await em.flush();
        return entity;
      });
    } catch (e) {
      if (e instanceof UniqueConstraintViolationException) {
        throw new ProvisioningError(
          ProvisioningErrorCode.ALREADY_EXISTS,
          `a legal entity with id ${id} or number series prefix ${cmd.fields.numberSeriesPrefix} already exists`,
        );
      }
      throw e;
    }
  }
}
