/**
 * The provisioning REST API: PostgreSQL (MikroORM, the system of record) first, then the balance
 * engine projection. Needs the global InfraModule (CHARGING_CONFIG, CLOCK, LOGGER, REDIS).
 */
import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';

import { createOrmConfig } from '@app/db';
import { BalanceModule } from '../balance/balance.module';
import { JournalModule } from '../journal/journal.module';
import { AccountsController } from './accounts/accounts.controller';
import { ChangeAccountStatusUseCase } from './accounts/change-account-status.usecase';
import { CreateAccountUseCase } from './accounts/create-account.usecase';
import { GetAccountUseCase } from './accounts/get-account.usecase';
import { GetBalanceUseCase } from './accounts/get-balance.usecase';
import { UpdateAccountUseCase } from './accounts/update-account.usecase';
import { BillingTermsController } from './billing-terms/billing-terms.controller';
import { GetBillingTermsUseCase } from './billing-terms/get-billing-terms.usecase';
import { PutBillingTermsUseCase } from './billing-terms/put-billing-terms.usecase';
import { CreateLegalEntityUseCase } from './legal-entities/create-legal-entity.usecase';
import { GetLegalEntityUseCase } from './legal-entities/get-legal-entity.usecase';
import { LegalEntitiesController } from './legal-entities/legal-entities.controller';
import { PutElectronicAddressUseCase } from './legal-entities/put-electronic-address.usecase';
import { PutPostalAddressUseCase } from './legal-entities/put-postal-address.usecase';
import { CreateTaxRateUseCase } from './tax-rates/create-tax-rate.usecase';
import { ListTaxRatesUseCase } from './tax-rates/list-tax-rates.usecase';
import { TaxRatesController } from './tax-rates/tax-rates.controller';
import { ChargeAllowancesController } from './charge-allowances/charge-allowances.controller';
import { ChargeAllowancesUseCase } from './charge-allowances/charge-allowances.usecase';
import { ChargesController } from './charges/charges.controller';
import { CreateChargeUseCase } from './charges/create-charge.usecase';
import { ListChargesUseCase } from './charges/list-charges.usecase';
import { CreateDiscountUseCase } from './discounts/create-discount.usecase';
import { DiscountsController } from './discounts/discounts.controller';
import { GetDiscountUseCase } from './discounts/get-discount.usecase';
import { ChangeLifecycleUseCase } from './subscription-lifecycle/change-lifecycle.usecase';
import { LifecycleController } from './subscription-lifecycle/lifecycle.controller';
import { ListLifecycleEventsUseCase } from './subscription-lifecycle/list-lifecycle-events.usecase';
import { AdminController } from './admin/admin.controller';
import { RebuildProjectionUseCase } from './admin/rebuild-projection.usecase';
import { ProvisioningAuthGuard } from './auth/auth.guard';
import { AddPlanVersionUseCase } from './catalog/add-plan-version.usecase';
import { PricePlansController, ProductsController } from './catalog/catalog.controller';
import { CreatePricePlanUseCase } from './catalog/create-price-plan.usecase';
import { CreateProductUseCase } from './catalog/create-product.usecase';
import { GetPricePlanUseCase } from './catalog/get-price-plan.usecase';
import { GetProductUseCase } from './catalog/get-product.usecase';
import { CreateCustomerUseCase } from './customers/create-customer.usecase';
import { CustomersController } from './customers/customers.controller';
import { GetCustomerUseCase } from './customers/get-customer.usecase';
import { CreateGrantUseCase } from './grants/create-grant.usecase';
import { GrantsController } from './grants/grants.controller';
import { ID_GENERATOR, randomIdGenerator } from './shared/ids';
import { ProjectionFailures } from './shared/projection-failures';
import { Projector } from './shared/projector';
import { CreateSubscriptionUseCase } from './subscriptions/create-subscription.usecase';
import { DeleteSubscriptionUseCase } from './subscriptions/delete-subscription.usecase';
import { GetSubscriptionUseCase } from './subscriptions/get-subscription.usecase';
import { ListSubscriptionsUseCase } from './subscriptions/list-subscriptions.usecase';
import { SubscriptionsController } from './subscriptions/subscriptions.controller';
import { CreateTopUpUseCase } from './top-ups/create-top-up.usecase';
import { ReverseTopUpUseCase } from './top-ups/reverse-top-up.usecase';
import { TopUpReconciler } from './top-ups/top-up-reconciler';
import { TopUpsController } from './top-ups/top-ups.controller';
import { CHARGING_CONFIG, type ChargingConfig } from '../config';

export const PROVISIONING_USE_CASES = [
  CreateCustomerUseCase,
  GetCustomerUseCase,
  CreateAccountUseCase,
  GetAccountUseCase,
  UpdateAccountUseCase,
  ChangeAccountStatusUseCase,
  GetBalanceUseCase,
  CreateProductUseCase,
  GetProductUseCase,
  CreatePricePlanUseCase,
  AddPlanVersionUseCase,
  GetPricePlanUseCase,
  CreateSubscriptionUseCase,
  GetSubscriptionUseCase,
  DeleteSubscriptionUseCase,
  ListSubscriptionsUseCase,
  CreateGrantUseCase,
  CreateTopUpUseCase,
  ReverseTopUpUseCase,
  RebuildProjectionUseCase,
  CreateLegalEntityUseCase,
  GetLegalEntityUseCase,
  PutPostalAddressUseCase,
  PutElectronicAddressUseCase,
  PutBillingTermsUseCase,
  GetBillingTermsUseCase,
  CreateTaxRateUseCase,
  ListTaxRatesUseCase,
  CreateChargeUseCase,
  ListChargesUseCase,
  ChargeAllowancesUseCase,
  CreateDiscountUseCase,
  GetDiscountUseCase,
  ChangeLifecycleUseCase,
  ListLifecycleEventsUseCase,
];

@Module({
  imports: [
    MikroOrmModule.forRootAsync({
      driver: PostgreSqlDriver,
      inject: [CHARGING_CONFIG],
      // Each use case forks the EntityManager itself; no request-scoped context middleware.
      useFactory: (config: ChargingConfig) => ({ ...createOrmConfig(config.DATABASE_URL), registerRequestContext: false }),
    }),
    BalanceModule,
    JournalModule,
  ],
  controllers: [
    CustomersController,
    AccountsController,
    ProductsController,
    PricePlansController,
    SubscriptionsController,
    GrantsController,
    TopUpsController,
    AdminController,
    LegalEntitiesController,
    BillingTermsController,
    TaxRatesController,
    ChargesController,
    ChargeAllowancesController,
    DiscountsController,
    LifecycleController,
  ],
  providers: [
    ...PROVISIONING_USE_CASES,
    Projector,
    ProjectionFailures,
    TopUpReconciler,
    ProvisioningAuthGuard,
    { provide: ID_GENERATOR, useValue: randomIdGenerator },
  ],
  exports: [RebuildProjectionUseCase],
})
export class ProvisioningModule {}
