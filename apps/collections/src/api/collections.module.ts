/**
 * The collections HTTP app: the process's resources as global providers (config, logger, clock,
 * registry, the pg pool) and the payments feature. The ops paths are plain routes (collections-http.ts).
 */
import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { Pool } from 'pg';
import type { Registry } from 'prom-client';
import type { Clock, Logger } from '@app/observability';
import type { ReadinessCheck } from '@app/runtime';
import type { CollectionsConfig } from '../config';
import type { Creditor } from '../direct-debit/pain008';
import { AccountStanding } from '../accounts/account-standing';
import { AccountsController } from '../accounts/accounts.controller';
import { Deposits, depositsAtTermination } from '../deposits/deposits';
import { DepositsController } from '../deposits/deposits.controller';
import { DirectDebit } from '../direct-debit/direct-debit';
import { DirectDebitController } from '../direct-debit/direct-debit.controller';
import { ChargingBarring } from '../dunning/barring';
import { Dunning, DUNNING_FAILURES_LISTED_MAX, type DunningRunSummary } from '../dunning/dunning';
import { DunningController } from '../dunning/dunning.controller';
import { ErpController } from '../erp/erp.controller';
import { accountMap, JournalExporter } from '../erp/journal-export';
import { LedgerChecks } from '../ledger/ledger-checks';
import { LedgerController } from '../ledger/ledger.controller';
import { CardController, CardWebhookController } from '../card/card.controller';
import { CardFeature } from '../card/card-feature';
import { HandAllocation } from '../matching/allocate-by-hand';
import { CreditApplier } from '../matching/apply-credit';
import { CreditNoteNetting } from '../matching/net-credit-notes';
import { type AfterPayment, type AfterPayments, PaymentApplier } from '../matching/apply-payment';
import { type AfterPaymentFailures, countedAfterPaymentFailures } from '../dunning/after-payment-failures';
import { ImportMetrics } from '../payments/import-metrics';
import { ManualPayments } from '../payments/manual-payment';
import { ImportStatement } from '../payments/import-statement.usecase';
import { PaymentQueries } from '../payments/payment-queries';
import { PaymentsController } from '../payments/payments.controller';
import { Tmf676Controller } from '../payments/tmf676.controller';
import { CreditTransfers } from '../refunds/credit-transfers';
import { Refunds } from '../refunds/refunds';
import { RefundsController, Tmf676RefundController } from '../refunds/refunds.controller';
import { CollectionsAuthGuard } from './auth.guard';
import { CLOCK, COLLECTIONS_CONFIG, LOGGER, METRICS_REGISTRY, PG_POOL } from './tokens';

/** Liveness and readiness of the process, served on /healthz and /readyz (@app/runtime/http installOpsRoutes). */
export interface Health {
  live(): boolean;
  checks: Record<string, ReadinessCheck>;
}

export interface CollectionsHttpDeps {
  config: CollectionsConfig;
  logger: Logger;
  clock: Clock;
  registry: Registry;
  pool: Pool;
  health: Health;
  /** The card feature (built by the process: its reconciler shares it). */
  card: CardFeature;
  /** Refunds (built by the process: its resender shares it; refundsOf below). */
  refunds: Refunds;
}

/** Refunds with the configured circuit-breaker limits, the card feature's gateway and its health; the card feature refunds refused top-ups through them. */
export function refundsOf(pool: Pool, c: CollectionsConfig, card: CardFeature, logger?: Logger): Refunds {
  const refunds = new Refunds({
    pool,
    limits: {
      averageLimitPercent: c.REFUND_AVERAGE_LIMIT_PERCENT,
      dailyCapMinor: BigInt(c.REFUND_DAILY_CAP_MINOR),
      gatewayErrorRatePercent: c.REFUND_GATEWAY_ERROR_RATE_PERCENT,
    },
    directDebitSettlementDays: c.REFUND_DIRECT_DEBIT_SETTLEMENT_DAYS,
    gateway: card.deps.gateway,
    health: card.health,
    ...(logger === undefined ? {} : { logger }),
  });
  card.useRefunds(refunds);
  return refunds;
}

/** The direct-debit creditor from the configuration, or undefined until its IBAN and creditor id are set. */
export function creditorOf(c: CollectionsConfig): Creditor | undefined {
  if (c.DD_CREDITOR_IBAN === undefined || c.DD_CREDITOR_ID === undefined) return undefined;
  return {
    name: c.DD_CREDITOR_NAME,
    iban: c.DD_CREDITOR_IBAN,
    creditorId: c.DD_CREDITOR_ID,
    ...(c.DD_CREDITOR_BIC === undefined ? {} : { bic: c.DD_CREDITOR_BIC }),
  };
}

/**
 * The payment applier's hook: the accounts a batch of payments paid, re-evaluated together (one dunning page;
 * today in UTC). Every account whose re-evaluation failed, and every account of a hook that threw, goes to
 * `failures` (the payments stand either way).
 */
export function dunningAfterPayments(dunning: Dunning, clock: Clock, failures: AfterPaymentFailures): AfterPayments {
  return async (accountIds) => {
    let summary: DunningRunSummary;
    try {
      summary = await dunning.evaluateAccounts(accountIds, new Date(clock.nowMs()).toISOString().slice(0, 10), clock.nowMs());
    } catch (e) {
      const accounts = [...new Set(accountIds)];
      const listed = accounts.slice(0, DUNNING_FAILURES_LISTED_MAX).map((accountId) => ({ accountId, error: (e as Error).message }));
      failures.failed(accounts.length, listed);
      return;
    }
    if (summary.failedAccounts > 0) failures.failed(summary.failedAccounts, summary.failed);
  };
}

/** The same for one account (allocation by hand, credit applied, a direct-debit return left to dunning). */
export function dunningAfterPayment(dunning: Dunning, clock: Clock, failures: AfterPaymentFailures): AfterPayment {
  const batch = dunningAfterPayments(dunning, clock, failures);
  return (accountId) => batch([accountId]);
}

/** Dunning with charging's barring when CHARGING_API_URL and CHARGING_API_KEY are set; TERMINATION applies held deposits. */
export function dunningOf(pool: Pool, c: Pick<CollectionsConfig, 'CHARGING_API_URL' | 'CHARGING_API_KEY'>): Dunning {
  return new Dunning(
    pool,
    c.CHARGING_API_URL === undefined || c.CHARGING_API_KEY === undefined
      ? undefined
      : new ChargingBarring(c.CHARGING_API_URL, c.CHARGING_API_KEY),
    depositsAtTermination(pool),
  );
}

@Global()
@Module({})
export class CollectionsAppModule {
  static forRoot(deps: CollectionsHttpDeps): DynamicModule {
    const shared = [
      { provide: COLLECTIONS_CONFIG, useValue: deps.config },
      { provide: LOGGER, useValue: deps.logger },
      { provide: CLOCK, useValue: deps.clock },
      { provide: METRICS_REGISTRY, useValue: deps.registry },
      { provide: PG_POOL, useValue: deps.pool },
    ];
    const dunning = dunningOf(deps.pool, deps.config);
    const failures = countedAfterPaymentFailures(deps.registry, deps.logger);
    // Every new payment (statement, direct debit) re-evaluates its account's dunning: one that clears the overdue amount lifts the bar at once.
    const applier = new PaymentApplier(deps.pool, dunningAfterPayments(dunning, deps.clock, failures));
    const hand = new HandAllocation(deps.pool, dunningAfterPayment(dunning, deps.clock, failures));
    const features = [
      { provide: Dunning, useValue: dunning },
      { provide: ImportStatement, useValue: new ImportStatement(deps.pool, deps.clock, applier) },
      { provide: PaymentQueries, useValue: new PaymentQueries(deps.pool) },
      { provide: ManualPayments, useValue: new ManualPayments(deps.pool, applier) },
      { provide: HandAllocation, useValue: hand },
      {
        provide: CreditApplier,
        useValue: new CreditApplier(deps.pool, hand, new CreditNoteNetting(deps.pool, dunningAfterPayment(dunning, deps.clock, failures))),
      },
      { provide: ImportMetrics, useValue: new ImportMetrics(deps.registry) },
      { provide: LedgerChecks, useValue: new LedgerChecks(deps.pool) },
      { provide: AccountStanding, useValue: new AccountStanding(deps.pool) },
      {
        provide: DirectDebit,
        // A return left to dunning (a second AM04, an unmapped code) evaluates the account's dunning at once.
        useValue: new DirectDebit(deps.pool, creditorOf(deps.config), applier, dunningAfterPayment(dunning, deps.clock, failures)),
      },
      { provide: JournalExporter, useValue: new JournalExporter(deps.pool, accountMap(deps.config.ERP_ACCOUNT_MAP)) },
      { provide: CardFeature, useValue: deps.card },
      { provide: Refunds, useValue: deps.refunds },
      { provide: Deposits, useValue: new Deposits(deps.pool, applier) },
      { provide: CreditTransfers, useValue: new CreditTransfers(deps.pool, creditorOf(deps.config)) },
      CollectionsAuthGuard,
    ];
    return {
      module: CollectionsAppModule,
      global: true,
      providers: [...shared, ...features],
      exports: shared.map((p) => p.provide),
      controllers: [
        PaymentsController,
        Tmf676Controller,
        LedgerController,
        AccountsController,
        ErpController,
        DirectDebitController,
        DunningController,
        CardController,
        CardWebhookController,
        RefundsController,
        DepositsController,
        Tmf676RefundController,
      ],
    };
  }
}
