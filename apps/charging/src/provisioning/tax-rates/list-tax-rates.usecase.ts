import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { TaxRate, type TaxCategory } from '@app/db/catalog';
import { TAX_RATES_PER_PAGE_MAX } from '../billing-catalog/billing-catalog.limits';

/** The rates of a jurisdiction (optionally one category), by category and start date. */
@Injectable()
export class ListTaxRatesUseCase {
  constructor(private readonly em: EntityManager) {}

  async execute(cmd: { jurisdiction: string; category?: TaxCategory }): Promise<TaxRate[]> {
    const where =
      cmd.category === undefined ? { jurisdiction: cmd.jurisdiction } : { jurisdiction: cmd.jurisdiction, category: cmd.category };
    return this.em.fork().find(TaxRate, where, { orderBy: { category: 'asc', validFrom: 'asc' }, limit: TAX_RATES_PER_PAGE_MAX });
  }
}
