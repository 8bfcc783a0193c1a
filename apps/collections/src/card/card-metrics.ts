/** Metrics of card payments: settled by result, gateway calls that timed out, webhooks by result, top-ups. */
import { Counter, type Registry } from 'prom-client';

export const CARD_PAYMENTS_METRIC = 'ratel_collections_card_payments_total';
export const CARD_GATEWAY_ERRORS_METRIC = 'ratel_collections_card_gateway_errors_total';
export const CARD_WEBHOOKS_METRIC = 'ratel_collections_card_webhooks_total';
export const CARD_TOP_UPS_METRIC = 'ratel_collections_card_top_ups_total';

export class CardMetrics {
  readonly payments: Counter<'result'>;
  readonly gatewayErrors: Counter<'code'>;
  readonly webhooks: Counter<'result'>;
  readonly topUps: Counter<'result'>;

  constructor(registry: Registry) {
    this.payments = new Counter({
      name: CARD_PAYMENTS_METRIC,
      help: 'Card payments settled, by result (succeeded, failed), and charged back (charged_back)',
      labelNames: ['result'],
      registers: [registry],
    });
    this.gatewayErrors = new Counter({
      name: CARD_GATEWAY_ERRORS_METRIC,
      help: 'Card gateway calls without a usable answer, by code (TIMEOUT, UNAVAILABLE, REFUSED, IDEMPOTENCY_CONFLICT)',
      labelNames: ['code'],
      registers: [registry],
    });
    this.webhooks = new Counter({
      name: CARD_WEBHOOKS_METRIC,
      help: 'Card gateway webhooks, by result (processed, duplicate, unknown_intent, bad_signature, stale, malformed)',
      labelNames: ['result'],
      registers: [registry],
    });
    this.topUps = new Counter({
      name: CARD_TOP_UPS_METRIC,
      help: 'Prepaid top-ups sent to charging after a card payment, by result (done, refused, retry), and reversals of charged-back ones (reversal_done, reversal_refused, reversal_retry)',
      labelNames: ['result'],
      registers: [registry],
    });
  }
}
