import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, LockMode } from '@mikro-orm/postgresql';
import { BillingAccount, LegalEntity } from '@app/db/core';
import { CLOCK, type Clock } from '@app/observability';
import type { Actor } from '../auth/actor';
import { parseAmountMinor } from '../billing-catalog/billing-catalog.rules';
import { electronicAddressResponse, parseElectronicAddress } from '../billing-catalog/electronic-address';
import { parsePostalAddress, postalAddressResponse } from '../billing-catalog/postal-address';
import { ProvisioningError } from '../provisioning-error';
import { audit } from '../shared/audit';
import type { PutBillingTermsBody } from './billing-terms.dto';

export interface BillingTerms {
  billingCycleType: string;
  paymentTermsDays: number;
  taxJurisdiction: string;
  legalEntityId: string;
  deliveryEmail: string | null;
  deliverySmsMsisdn: string | null;
  deliveryPortalOnly: boolean;
  minimumCommitmentMinor: bigint | null;
  billingStreet: string | null;
  billingAdditionalStreet: string | null;
  billingCity: string | null;
  billingPostalCode: string | null;
  billingCountryCode: string | null;
  vatId: string | null;
  endpointScheme: string | null;
  endpointId: string | null;
}

export class PutBillingTermsCommand {
  private constructor(
    readonly actor: Actor,
    readonly accountId: string,
    readonly terms: BillingTerms,
  ) {}

  static create(actor: Actor, accountId: string, b: PutBillingTermsBody): PutBillingTermsCommand {
    const portalOnly = b.deliveryPortalOnly ?? false;
    if (portalOnly && (b.deliveryEmail !== undefined || b.deliverySmsMsisdn !== undefined)) {
      throw ProvisioningError.invalid('deliveryPortalOnly', 'portal only excludes deliveryEmail and deliverySmsMsisdn');
    }
    const minimum = b.minimumCommitment === undefined ? null : parseAmountMinor('minimumCommitment', b.minimumCommitment);
    const address = b.billingAddress == null ? undefined : parsePostalAddress('billingAddress', b.billingAddress);
    const endpoint = b.electronicAddress == null ? undefined : parseElectronicAddress('electronicAddress', b.electronicAddress);
    return new PutBillingTermsCommand(actor, accountId, {
      billingCycleType: b.billingCycleType,
      paymentTermsDays: b.paymentTermsDays,
      taxJurisdiction: b.taxJurisdiction,
      legalEntityId: b.legalEntityId,
      deliveryEmail: b.deliveryEmail ?? null,
      deliverySmsMsisdn: b.deliverySmsMsisdn ?? null,
      deliveryPortalOnly: portalOnly,
      minimumCommitmentMinor: minimum,
      billingStreet: address?.street ?? null,
      billingAdditionalStreet: address?.additionalStreet ?? null,
      billingCity: address?.city ?? null,
      billingPostalCode: address?.postalCode ?? null,
      billingCountryCode: address?.countryCode ?? null,
      vatId: b.vatId ?? null,
      endpointScheme: endpoint?.scheme ?? null,
      endpointId: endpoint?.id ?? null,
    });
  }
}

function termsOf(a: BillingAccount): Record<string, unknown> {
  return {
    billingCycleType: a.billingCycleType ?? null,
    paymentTermsDays: a.paymentTermsDays ?? null,
    taxJurisdiction: a.taxJurisdiction ?? null,
    legalEntityId: a.legalEntity?.id ?? null,
    deliveryEmail: a.deliveryEmail ?? null,
    deliverySmsMsisdn: a.deliverySmsMsisdn ?? null,
    deliveryPortalOnly: a.deliveryPortalOnly,
    minimumCommitmentMinor:
      a.minimumCommitmentMinor === null || a.minimumCommitmentMinor === undefined ? null : String(a.minimumCommitmentMinor),
    billingAddress: postalAddressResponse({
      street: a.billingStreet,
      additionalStreet: a.billingAdditionalStreet,
      city: a.billingCity,
      postalCode: a.billingPostalCode,
      countryCode: a.billingCountryCode,
    }),
    vatId: a.vatId ?? null,
    electronicAddress: electronicAddressResponse(a.endpointScheme, a.endpointId),
  };
}

/**
 * Replaces an account's billing terms (PostgreSQL only: the balance engine does not use them). The
 * legal entity must exist; the cycle type code is invoicing's and is not checked here.
 */
@Injectable()
export class PutBillingTermsUseCase {
  constructor(
    private readonly em: EntityManager,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(cmd: PutBillingTermsCommand): Promise<BillingAccount> {
    const now = new Date(this.clock.nowMs());
    return this.em.fork().transactional(async (em) => {
      const a = await em.findOne(BillingAccount, cmd.accountId, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (a === null) throw ProvisioningError.notFound('billing account', cmd.accountId);
      if (a.status === 'CLOSED') throw ProvisioningError.precondition(`billing account ${a.id} is CLOSED`);
      const legalEntity = await em.findOne(LegalEntity, cmd.terms.legalEntityId);
      if (legalEntity === null)
        throw ProvisioningError.precondition(`legal entity ${cmd.terms.legalEntityId} does not exist`, 'legalEntityId');
      const before = termsOf(a);
      const { legalEntityId: _legalEntityId, ...columns } = cmd.terms;
      Object.assign(a, columns, { legalEntity, updatedAt: now });
      audit(em, cmd.actor, 'billing_account.billing_terms', 'billing_account', a.id, { before, after: termsOf(a) }, now);
      await em.flush();
      return a;
    });
  }
}
