/**
 * Allowance templates of a RECURRING charge (table `charge_allowance`, SQL only, read by the renewal
 * worker): each paid period of the charge grants one bucket per template. Added and listed here;
 * at most ALLOWANCES_PER_CHARGE_MAX per charge. A template is never changed in place: renewals of
 * periods already paid keep what they granted.
 */
import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, LockMode } from '@mikro-orm/postgresql';
import { Product, ProductCharge } from '@app/db/catalog';
import { CLOCK, type Clock } from '@app/observability';
import type { Actor } from '../auth/actor';
import { ProvisioningError, ProvisioningErrorCode } from '../provisioning-error';
import { audit } from '../shared/audit';
import { ID_GENERATOR, type IdGenerator } from '../shared/ids';
import type { CreateChargeAllowanceBody } from './charge-allowance.dto';

/** Templates per charge: every one becomes a bucket at each renewal. */
export const ALLOWANCES_PER_CHARGE_MAX = 16;

export interface ChargeAllowance {
  id: string;
  chargeId: string;
  unit: string;
  ratingGroups: number[];
  units: number;
  createdAt: Date;
}

interface Row {
  id: string;
  charge_id: string;
  unit: string;
  rating_groups: number[];
  units: string;
  created_at: Date;
}

const toAllowance = (r: Row): ChargeAllowance => ({
  id: r.id,
  chargeId: r.charge_id,
  unit: r.unit,
  ratingGroups: r.rating_groups,
  units: Number(r.units),
  createdAt: new Date(r.created_at),
});

@Injectable()
export class ChargeAllowancesUseCase {
  constructor(
    private readonly em: EntityManager,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  async create(actor: Actor, productId: string, chargeId: string, body: CreateChargeAllowanceBody): Promise<ChargeAllowance> {
    const id = body.id ?? this.ids.newId('alw');
    const ratingGroups = [...new Set(body.ratingGroups ?? [])].sort((a, b) => a - b);
    if (ratingGroups.length !== (body.ratingGroups ?? []).length)
      throw ProvisioningError.invalid('ratingGroups', 'lists a rating group twice');
    const now = new Date(this.clock.nowMs());
    return this.em.fork().transactional(async (em) => {
      // The charge row lock serializes template creation per charge, so the count below holds.
      const charge = await em.findOne(ProductCharge, chargeId, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (charge === null || charge.product.id !== productId) throw ProvisioningError.notFound('charge', `${productId}/${chargeId}`);
      if (charge.kind !== 'RECURRING')
        throw ProvisioningError.precondition(
          `charge ${chargeId} is ${charge.kind}: allowances renew with a RECURRING charge only`,
          'chargeId',
        );
      const conn = em.getConnection();
      const ctx = em.getTransactionContext();
      const count = `select count(*)::int as n from charge_allowance where charge_id = ?`;
      const [{ n }] = await conn.execute<Array<{ n: number }>>(count, [chargeId], 'all', ctx);
      if (n >= ALLOWANCES_PER_CHARGE_MAX)
        throw ProvisioningError.precondition(
          `charge ${chargeId} already has ${ALLOWANCES_PER_CHARGE_MAX} allowances (ALLOWANCES_PER_CHARGE_MAX)`,
        );
      const inserted = await conn.execute<Row[]>(
        `insert into charge_allowance (id, charge_id, unit, rating_groups, units, created_at) values (?, ?, ?, ?::int[], ?, ?)
         on conflict (id) do nothing
         returning id, charge_id, unit, rating_groups, units::text as units, created_at`,
        [id, chargeId, body.unit, `{${ratingGroups.join(',')}}`, body.units, now],
        'all',
        ctx,
      );
      if (inserted.length === 0)
        throw new ProvisioningError(ProvisioningErrorCode.ALREADY_EXISTS, `an allowance with id ${id} already exists`);
      audit(
        em,
        actor,
        'charge_allowance.create',
        'charge_allowance',
        id,
        { productId, chargeId, unit: body.unit, ratingGroups, units: body.units },
        now,
      );
      await em.flush();
      return toAllowance(inserted[0]);
    });
  }

  async list(productId: string, chargeId: string): Promise<ChargeAllowance[]> {
    const em = this.em.fork();
    if ((await em.findOne(Product, productId)) === null) throw ProvisioningError.notFound('product', productId);
    const charge = await em.findOne(ProductCharge, chargeId);
    if (charge === null || charge.product.id !== productId) throw ProvisioningError.notFound('charge', `${productId}/${chargeId}`);
    const rows = await em
      .getConnection()
      .execute<Row[]>(
        `select id, charge_id, unit, rating_groups, units::text as units, created_at from charge_allowance where charge_id = ? order by id limit ?`,
        [chargeId, ALLOWANCES_PER_CHARGE_MAX],
      );
    return rows.map(toAllowance);
  }
}
