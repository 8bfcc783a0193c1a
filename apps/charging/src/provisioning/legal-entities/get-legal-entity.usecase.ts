import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { LegalEntity } from '@app/db/core';
import { ProvisioningError } from '../provisioning-error';

@Injectable()
export class GetLegalEntityUseCase {
  constructor(private readonly em: EntityManager) {}

  async execute(cmd: { legalEntityId: string }): Promise<LegalEntity> {
    const entity = await this.em.fork().findOne(LegalEntity, cmd.legalEntityId);
    if (entity === null) throw ProvisioningError.notFound('legal entity', cmd.legalEntityId);
    return entity;
  }
}
