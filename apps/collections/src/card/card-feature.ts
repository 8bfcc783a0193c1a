/** Builds the card feature's use cases from the process's resources (the HTTP app, the CLI and the reconciler share it). */
import type { Pool } from 'pg';
import type { Registry } from 'prom-client';
import type { Clock, Logger } from '@app/observability';
import type { CollectionsConfig } from '../config';
import { PaymentApplier } from '../matching/apply-payment';
import { GatewayHealth, observedGateway } from '../refunds/circuit-breakers';
import { CardAutopay, ReconcileCardPayments } from './card-autopay.usecase';
import { CardMetrics } from './card-metrics';
import { CardPaymentStore } from './card-payment-store';
import { CardTokens } from './card-tokens';
import { HandleCardWebhook } from './card-webhook.usecase';
import { HttpChargingTopUps } from './charging-top-ups';
import { HttpPaymentGateway } from './http-payment-gateway';
import { StartCardPayment } from './start-card-payment.usecase';
import { type CardDeps, SyncCardPayment } from './sync-card-payment.usecase';
import { TopUpRefunds } from './top-up-refunds';
import type { Refunds } from '../refunds/refunds';

/** Card payments synced per reconciler run. */
export const CARD_RECONCILE_BATCH_MAX = 200;

export type CardConfig = Pick<
  CollectionsConfig,
  | 'CARD_GATEWAY_URL'
  | 'CARD_GATEWAY_API_KEY'
  | 'CARD_GATEWAY_TIMEOUT_MS'
  | 'CARD_WEBHOOK_SECRET'
  | 'CHARGING_API_URL'
  | 'CHARGING_API_KEY'
  | 'CHARGING_API_TIMEOUT_MS'
> &
  Partial<Pick<CollectionsConfig, 'REFUND_GATEWAY_WINDOW_MS'>>;

/** The gateway-health window when the configuration does not set REFUND_GATEWAY_WINDOW_MS (the CLI). */
export const GATEWAY_HEALTH_WINDOW_MS_DEFAULT = 300_000;

export class CardFeature {
  readonly deps: CardDeps;
  readonly tokens: CardTokens;
  readonly sync: SyncCardPayment;
  readonly start: StartCardPayment;
  readonly webhook: HandleCardWebhook;
  readonly autopay: CardAutopay;
  readonly reconcile: ReconcileCardPayments;
  /** The gateway's recent errors as this process saw them (a refund circuit breaker reads it). */
  readonly health: GatewayHealth;

  constructor(r: { pool: Pool; clock: Clock; logger: Logger; registry: Registry; config: CardConfig; applier?: PaymentApplier }) {
    const c = r.config;
    this.health = new GatewayHealth(c.REFUND_GATEWAY_WINDOW_MS ?? GATEWAY_HEALTH_WINDOW_MS_DEFAULT);
    this.deps = {
      pool: r.pool,
      clock: r.clock,
      logger: r.logger,
      store: new CardPaymentStore(r.pool),
      applier: r.applier ?? new PaymentApplier(r.pool),
      metrics: new CardMetrics(r.registry),
      gateway:
        c.CARD_GATEWAY_URL === undefined || c.CARD_GATEWAY_API_KEY === undefined
          ? undefined
          : observedGateway(
              new HttpPaymentGateway({ baseUrl: c.CARD_GATEWAY_URL, apiKey: c.CARD_GATEWAY_API_KEY, timeoutMs: c.CARD_GATEWAY_TIMEOUT_MS }),
              this.health,
              () => r.clock.nowMs(),
            ),
      topUps:
        c.CHARGING_API_URL === undefined || c.CHARGING_API_KEY === undefined
          ? undefined
          : new HttpChargingTopUps({ baseUrl: c.CHARGING_API_URL, apiKey: c.CHARGING_API_KEY, timeoutMs: c.CHARGING_API_TIMEOUT_MS }),
    };
    this.tokens = new CardTokens(r.pool);
    this.sync = new SyncCardPayment(this.deps);
    this.start = new StartCardPayment(this.deps, this.tokens, this.sync);
    this.webhook = new HandleCardWebhook(this.deps, c.CARD_WEBHOOK_SECRET, this.sync);
    this.autopay = new CardAutopay(this.deps, this.sync);
    this.reconcile = new ReconcileCardPayments(this.deps, this.sync);
  }

  /** Refused top-ups are refunded through these refunds from now on (they are built with this feature's gateway, so after it). */
  useRefunds(refunds: Refunds): TopUpRefunds {
    this.deps.topUpRefunds = new TopUpRefunds(this.deps.pool, refunds);
    return this.deps.topUpRefunds;
  }
}
