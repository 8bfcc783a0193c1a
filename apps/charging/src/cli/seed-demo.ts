/**
 * Demo data: the DEMO_PLANS of @app/rating as products and price plans, one demo customer with a
 * prepaid, a low-balance prepaid and a postpaid account, each with one subscription (French numbers:
 * the demo plans rate France as "national"), and a data allowance on the first. Created through the
 * provisioning use cases, so PostgreSQL and the engine get exactly what the API would write. Rerun:
 * what exists is skipped, then the demo accounts are re-projected (which also repairs a flushed Redis).
 */
import { DEMO_PLANS, DEMO_POSTPAID_PLAN, DEMO_PREPAID_PLAN } from '@app/rating';
import { CreateAccountCommand, CreateAccountUseCase } from '../provisioning/accounts/create-account.usecase';
import { RebuildProjectionUseCase } from '../provisioning/admin/rebuild-projection.usecase';
import { CreatePricePlanCommand, CreatePricePlanUseCase } from '../provisioning/catalog/create-price-plan.usecase';
import { CreateProductCommand, CreateProductUseCase } from '../provisioning/catalog/create-product.usecase';
import { CreateCustomerCommand, CreateCustomerUseCase } from '../provisioning/customers/create-customer.usecase';
import { CreateGrantCommand, CreateGrantUseCase } from '../provisioning/grants/create-grant.usecase';
import { ProvisioningError, ProvisioningErrorCode } from '../provisioning/provisioning-error';
import { randomIdGenerator } from '../provisioning/shared/ids';
import { CreateSubscriptionCommand, CreateSubscriptionUseCase } from '../provisioning/subscriptions/create-subscription.usecase';
import type { CliContext } from './cli-context';

export const SEED_ACTOR = 'cli:seed';
export const DEMO_CUSTOMER_ID = 'demo-customer-1';
export const DEMO_TIME_ZONE = 'Europe/Paris';
/** Validity of the demo data allowance granted at the first seed. */
export const DEMO_ALLOWANCE_VALIDITY_MS = 30 * 24 * 60 * 60 * 1000;
export const DEMO_ALLOWANCE_BYTES = 1_073_741_824;

export const DEMO_ACCOUNTS = [
  {
    id: 'demo-prepaid-1',
    type: 'PREPAID',
    planId: DEMO_PREPAID_PLAN.id,
    initialBalance: '10.00',
    thresholds: ['5.00', '1.00'],
    msisdn: '33612000001',
    imsi: '208010000000001',
  },
  {
    id: 'demo-prepaid-2',
    type: 'PREPAID',
    planId: DEMO_PREPAID_PLAN.id,
    initialBalance: '0.50',
    thresholds: ['1.00'],
    msisdn: '33612000002',
    imsi: '208010000000002',
  },
  {
    id: 'demo-postpaid-1',
    type: 'POSTPAID',
    planId: DEMO_POSTPAID_PLAN.id,
    creditLimit: '100.00',
    thresholds: ['-80.00'],
    msisdn: '33612000101',
    imsi: '208010000000101',
  },
] as const;

/** Runs a create; "already exists" means an earlier seed did it. Returns whether it created. */
async function created(step: () => Promise<unknown>): Promise<boolean> {
  try {
    await step();
    return true;
  } catch (e) {
    if (e instanceof ProvisioningError && e.code === ProvisioningErrorCode.ALREADY_EXISTS) return false;
    throw e;
  }
}

/** Products and price plans of DEMO_PLANS (product id = plan id). Returns how many were created. */
export async function seedCatalog(ctx: CliContext): Promise<number> {
  const products = new CreateProductUseCase(ctx.orm.em, ctx.clock, randomIdGenerator);
  const plans = new CreatePricePlanUseCase(ctx.orm.em, ctx.projector, ctx.clock);
  let count = 0;
  for (const plan of DEMO_PLANS) {
    await created(() =>
      products.execute(CreateProductCommand.create(SEED_ACTOR, { id: plan.id, name: plan.name, description: plan.description })),
    );
    if (await created(() => plans.execute(CreatePricePlanCommand.create(SEED_ACTOR, { productId: plan.id, plan: { ...plan } })))) count++;
  }
  return count;
}

export async function seedDemo(ctx: CliContext): Promise<{ plansCreated: number; accountsCreated: number }> {
  const plansCreated = await seedCatalog(ctx);
  const ids = randomIdGenerator;
  await created(() =>
    new CreateCustomerUseCase(ctx.orm.em, ctx.clock, ids).execute(
      CreateCustomerCommand.create(SEED_ACTOR, { id: DEMO_CUSTOMER_ID, name: 'Demo Customer' }),
    ),
  );
  const accounts = new CreateAccountUseCase(ctx.orm.em, ctx.projector, ctx.clock, ids);
  const subscriptions = new CreateSubscriptionUseCase(ctx.orm.em, ctx.projector, ctx.clock, ids);
  let accountsCreated = 0;
  for (const a of DEMO_ACCOUNTS) {
    const body = {
      id: a.id,
      customerId: DEMO_CUSTOMER_ID,
      type: a.type,
      currency: 'EUR',
      timeZone: DEMO_TIME_ZONE,
      cycleDay: 1,
      planId: a.planId,
      thresholds: [...a.thresholds],
    };
    const extra = a.type === 'PREPAID' ? { initialBalance: a.initialBalance } : { creditLimit: a.creditLimit };
    if (await created(() => accounts.execute(CreateAccountCommand.create(SEED_ACTOR, { ...body, ...extra })))) accountsCreated++;
    await created(() =>
      subscriptions.execute(
        CreateSubscriptionCommand.create(SEED_ACTOR, {
          id: `${a.id}-line-1`,
          msisdn: a.msisdn,
          imsi: a.imsi,
          accountId: a.id,
          productId: a.planId,
        }),
      ),
    );
  }
  const now = ctx.clock.nowMs();
  const grant = {
    id: 'demo-prepaid-1-data',
    unit: 'BYTES' as const,
    ratingGroups: [20],
    units: DEMO_ALLOWANCE_BYTES,
    expiresAt: new Date(now + DEMO_ALLOWANCE_VALIDITY_MS).toISOString(),
  };
  await created(() =>
    new CreateGrantUseCase(ctx.orm.em, ctx.projector, ctx.clock, ids).execute(
      CreateGrantCommand.create(SEED_ACTOR, 'demo-prepaid-1', grant, now),
    ),
  );
  const rebuild = new RebuildProjectionUseCase(ctx.orm.em, ctx.projector, ctx.clock, ctx.logger);
  for (const a of DEMO_ACCOUNTS) await rebuild.execute({ accountId: a.id });
  return { plansCreated, accountsCreated };
}
