/**
 * Entity timestamps come from the injected clock: a customer created through the use case with a
 * fixed clock carries the clock's time, and a later change keeps the time its use case sets (no ORM
 * hook writes the wall clock over it). Billing tests depend on this with their fake clocks.
 */
import { MikroORM } from '@mikro-orm/postgresql';
import { createOrmConfig, migrate } from '@app/db';
import { Customer } from '@app/db/core';
import { createTestDatabase } from '@app/devstack';
import { FakeClock } from '@app/observability';
import { CreateCustomerCommand, CreateCustomerUseCase } from './create-customer.usecase';

/** 2001-02-03T04:05:06.789Z: far from the wall clock, so a `new Date()` anywhere shows. */
const T0 = Date.UTC(2001, 1, 3, 4, 5, 6, 789);
const LATER_MS = 60_000;

describe('entity timestamps come from the injected clock', () => {
  let orm: MikroORM;

  beforeAll(async () => {
    const url = await createTestDatabase('clockts');
    await migrate(url);
    orm = await MikroORM.init(createOrmConfig(url));
  });
  afterAll(async () => orm?.close(true));

  it('a created customer (and its audit row) carries the fake clock time', async () => {
    const clock = new FakeClock(T0);
    const useCase = new CreateCustomerUseCase(orm.em, clock, { newId: (p) => `${p}_fixed` });
    await useCase.execute(CreateCustomerCommand.create('apikey:test', { name: 'Ada' }));

    const conn = orm.em.fork().getConnection();
    const [row] = await conn.execute(`select created_at, updated_at from customer where id = 'cus_fixed'`);
    expect(new Date(row.created_at).getTime()).toBe(T0);
    expect(new Date(row.updated_at).getTime()).toBe(T0);
    const [auditRow] = await conn.execute(`select created_at from audit_log where entity_id = 'cus_fixed'`);
    expect(new Date(auditRow.created_at).getTime()).toBe(T0);
  });

  it('a change keeps the updatedAt its use case set from the clock', async () => {
    const em = orm.em.fork();
    const customer = await em.findOneOrFail(Customer, 'cus_fixed');
    customer.name = 'Ada L.';
    customer.updatedAt = new Date(T0 + LATER_MS);
    await em.flush();

    const [row] = await orm.em.fork().getConnection().execute(`select updated_at from customer where id = 'cus_fixed'`);
    expect(new Date(row.updated_at).getTime()).toBe(T0 + LATER_MS);
  });
});
