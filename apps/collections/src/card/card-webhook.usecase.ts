/**
 * A webhook from the card gateway. Its signature is checked first (HMAC-SHA256, within
 * WEBHOOK_TOLERANCE_SECONDS): a bad, missing or old one is UNAUTHENTICATED and changes nothing.
 * An event already processed (card_webhook_event, by the gateway's event id) changes nothing. The
 * event's own state and order are NOT trusted: it only says which card payment to look at, and
 * SyncCardPayment asks the gateway for the intent. So duplicates, late and out-of-order events
 * all end in the gateway's current state. The event is recorded once handled; if handling fails
 * (the database), the answer is 5xx and the gateway delivers it again.
 */
import { CollectionsError, CollectionsErrorCode } from '../payments/collections-error';
import type { CardDeps, SyncCardPayment } from './sync-card-payment.usecase';
import { verifyWebhook } from './webhook-signature';

const EVENT_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const TYPE = /^[a-z_.]{1,64}$/;

export type WebhookResult = 'processed' | 'duplicate' | 'unknown_intent';

interface GatewayEvent {
  id: string;
  type: string;
  intentId: string;
  idempotencyKey: string | null;
}

export class HandleCardWebhook {
  constructor(
    private readonly d: CardDeps,
    private readonly secret: string | undefined,
    private readonly sync: SyncCardPayment,
  ) {}

  async execute(p: { rawBody: Buffer | undefined; signature: string | undefined }): Promise<{ result: WebhookResult; eventId: string }> {
    if (this.secret === undefined)
      throw new CollectionsError(CollectionsErrorCode.UNAVAILABLE, 'card webhooks not configured (CARD_WEBHOOK_SECRET)');
    const body = p.rawBody ?? Buffer.alloc(0);
    const check = verifyWebhook({ secret: this.secret, header: p.signature, body, nowMs: this.d.clock.nowMs() });
    if (!check.ok) {
      this.d.metrics.webhooks.inc({ result: check.reason === 'STALE' ? 'stale' : 'bad_signature' });
      throw new CollectionsError(CollectionsErrorCode.UNAUTHENTICATED, `card-signature: ${check.reason.toLowerCase()}`, {
        parameter: 'card-signature',
      });
    }
    const event = parseEvent(body);
    if (event === undefined) {
      this.d.metrics.webhooks.inc({ result: 'malformed' });
      throw CollectionsError.invalid('body', 'a gateway event: {id, type, data: {intent: {id, idempotencyKey}}}');
    }
    const seen = await this.d.pool.query(`select 1 from card_webhook_event where event_id = $1`, [event.id]);
    if ((seen.rowCount ?? 0) > 0) {
      this.d.metrics.webhooks.inc({ result: 'duplicate' });
      return { result: 'duplicate', eventId: event.id };
    }
    const row =
      (await this.d.store.byIntent(event.intentId)) ??
      (event.idempotencyKey === null ? undefined : await this.d.store.get(event.idempotencyKey));
    if (row !== undefined) await this.sync.execute(row.id, { checkChargeback: true });
    await this.d.pool.query(
      `insert into card_webhook_event (event_id, type, intent_id, received_at) values ($1, $2, $3, $4) on conflict (event_id) do nothing`,
      [event.id, event.type, event.intentId, new Date(this.d.clock.nowMs())],
    );
    const result: WebhookResult = row === undefined ? 'unknown_intent' : 'processed';
    this.d.metrics.webhooks.inc({ result });
    return { result, eventId: event.id };
  }
}

function parseEvent(body: Buffer): GatewayEvent | undefined {
  let j: unknown;
  try {
    j = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  const e = j as { id?: unknown; type?: unknown; data?: { intent?: { id?: unknown; idempotencyKey?: unknown } } };
  const intent = e?.data?.intent;
  if (typeof e?.id !== 'string' || !EVENT_ID.test(e.id) || typeof e.type !== 'string' || !TYPE.test(e.type)) return undefined;
  if (typeof intent?.id !== 'string' || !EVENT_ID.test(intent.id)) return undefined;
  const key = typeof intent.idempotencyKey === 'string' && EVENT_ID.test(intent.idempotencyKey) ? intent.idempotencyKey : null;
  return { id: e.id, type: e.type, intentId: intent.id, idempotencyKey: key };
}
