import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { TaxRate, type TaxCategory } from '@app/db/catalog';
import { CLOCK, type Clock } from '@app/observability';
import type { Actor } from '../auth/actor';
import { parseTaxRatePercent, parseValidity } from '../billing-catalog/billing-catalog.rules';
import { ProvisioningError, ProvisioningErrorCode } from '../provisioning-error';
import { audit } from '../shared/audit';
import { ID_GENERATOR, type IdGenerator } from '../shared/ids';
import type { CreateTaxRateBody } from './tax-rate.dto';

export class CreateTaxRateCommand {
  private constructor(
    readonly actor: Actor,
    readonly id: string | undefined,
    readonly jurisdiction: string,
    readonly category: TaxCategory,
    readonly ratePercent: string,
    readonly validFrom: string,
    readonly validTo: string | null,
  ) {}

  static create(actor: Actor, b: CreateTaxRateBody): CreateTaxRateCommand {
    const ratePercent = parseTaxRatePercent('ratePercent', b.ratePercent);
    const { validFrom, validTo } = parseValidity(b.validFrom, b.validTo);
    return new CreateTaxRateCommand(actor, b.id, b.jurisdiction, b.category, ratePercent, validFrom, validTo);
  }
}

/** Half-open windows [a, b) and [c, d) (null end: open) overlap when each starts before the other ends. */
export function windowsOverlap(
  a: { validFrom: string; validTo: string | null },
  b: { validFrom: string; validTo: string | null },
): boolean {
  return (a.validTo === null || b.validFrom < a.validTo) && (b.validTo === null || a.validFrom < b.validTo);
}

/**
 * Adds a tax rate. Windows of one (jurisdiction, category) never overlap: concurrent creations of
 * one key are serialized by a transaction-scoped advisory lock, then the existing windows are read.
 */
@Injectable()
export class CreateTaxRateUseCase {
  constructor(
    private readonly em: EntityManager,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  async execute(cmd: CreateTaxRateCommand): Promise<TaxRate> {
    const id = cmd.id ?? this.ids.newId('tax');
    const now = new Date(this.clock.nowMs());
    try {
      return await this.em.fork().transactional(async (em) => {
        await em
          .getConnection()
          .execute(
            'select pg_advisory_xact_lock(hashtext(?))',
            [`tax_rate|${cmd.jurisdiction}|${cmd.category}`],
            'all',
            em.getTransactionContext(),
          );
        const existing = await em.find(TaxRate, { jurisdiction: cmd.jurisdiction, category: cmd.category });
        const clash = existing.find((r) => windowsOverlap(r as { validFrom: string; validTo: string | null }, cmd));
        if (clash !== undefined) {
          throw new ProvisioningError(
            ProvisioningErrorCode.FAILED_PRECONDITION,
            `the window overlaps tax rate ${clash.id} (${clash.validFrom} to ${clash.validTo ?? 'open'}) of ${cmd.jurisdiction} ${cmd.category}`,
            { field: 'validFrom', reason: 'TAX_RATE_OVERLAP', conflictingTaxRateId: clash.id },
          );
        }
        const fields = {
          jurisdiction: cmd.jurisdiction,
          category: cmd.category,
          ratePercent: cmd.ratePercent,
          validFrom: cmd.validFrom,
          validTo: cmd.validTo,
        };
        const rate = em.create(TaxRate, { id, ...fields, createdAt: now });
        audit(em, cmd.actor, 'tax_rate.create', 'tax_rate', id, fields, now);
        await em.flush();
        return rate;
      });
    } catch (e) {
      if (e instanceof UniqueConstraintViolationException) {
        throw new ProvisioningError(ProvisioningErrorCode.ALREADY_EXISTS, `a tax rate with id ${id} already exists`);
      }
      throw e;
    }
  }
}
