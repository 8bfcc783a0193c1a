/**
 * PaymentGateway over HTTP (the fake gateway's API, shaped like the common card gateways'):
 *
 *   POST /v1/payment_intents   Idempotency-Key, { amountMinor, currency, cardToken, description }
 *   GET  /v1/payment_intents/{id}
 *   POST /v1/refunds           Idempotency-Key, { intentId, amountMinor }
 *
 * Bearer API key; amounts are decimal strings of minor units. Each call is bounded by a timeout: no
 * answer is GatewayError TIMEOUT (the caller keeps its PENDING row and asks again with the same key).
 */
import {
  GatewayError,
  GatewayErrorCode,
  INTENT_STATUSES,
  type PaymentGateway,
  type PaymentIntent,
  type Refund,
} from './payment-gateway.port';

/** Longest gateway answer read. */
export const GATEWAY_RESPONSE_MAX_BYTES = 64 * 1024;

export interface HttpGatewayOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
}

export class HttpPaymentGateway implements PaymentGateway {
  constructor(private readonly o: HttpGatewayOptions) {}

  async createIntent(r: Parameters<PaymentGateway['createIntent']>[0]): Promise<PaymentIntent> {
    const body = { amountMinor: r.amountMinor.toString(), currency: r.currency, cardToken: r.cardToken, description: r.description };
    return intentOf(await this.call('POST', '/v1/payment_intents', body, r.idempotencyKey));
  }

  async getIntent(intentId: string): Promise<PaymentIntent> {
    return intentOf(await this.call('GET', `/v1/payment_intents/${encodeURIComponent(intentId)}`));
  }

  async refund(r: Parameters<PaymentGateway['refund']>[0]): Promise<Refund> {
    const j = await this.call('POST', '/v1/refunds', { intentId: r.intentId, amountMinor: r.amountMinor.toString() }, r.idempotencyKey);
    return {
      id: str(j, 'id'),
      intentId: str(j, 'intentId'),
      status: j.status === 'succeeded' ? 'succeeded' : 'failed',
      amountMinor: BigInt(str(j, 'amountMinor')),
      failureCode: typeof j.failureCode === 'string' ? j.failureCode : null,
    };
  }

  private async call(method: string, path: string, body?: unknown, idempotencyKey?: string): Promise<Record<string, unknown>> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.o.apiKey}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
    let res: Response;
    let text: string;
    try {
      res = await fetch(new URL(path, this.o.baseUrl), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
      text = await res.text();
    } catch (e) {
      const name = (e as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError')
        throw new GatewayError(GatewayErrorCode.TIMEOUT, `card gateway: no answer to ${method} ${path} within ${this.o.timeoutMs} ms`);
      throw new GatewayError(GatewayErrorCode.UNAVAILABLE, `card gateway: ${method} ${path}: ${(e as Error).message}`);
    }
    if (text.length > GATEWAY_RESPONSE_MAX_BYTES)
      throw new GatewayError(GatewayErrorCode.UNAVAILABLE, `card gateway: answer over ${GATEWAY_RESPONSE_MAX_BYTES} bytes`);
    if (res.status === 409) throw new GatewayError(GatewayErrorCode.IDEMPOTENCY_CONFLICT, `card gateway: ${text.slice(0, 200)}`, 409);
    if (res.status >= 500)
      throw new GatewayError(GatewayErrorCode.UNAVAILABLE, `card gateway: ${res.status} ${text.slice(0, 200)}`, res.status);
    if (res.status >= 400)
      throw new GatewayError(GatewayErrorCode.REFUSED, `card gateway: ${res.status} ${text.slice(0, 200)}`, res.status);
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new GatewayError(GatewayErrorCode.UNAVAILABLE, `card gateway: ${method} ${path} answered no JSON`);
    }
  }
}

function str(j: Record<string, unknown>, field: string): string {
  const v = j[field];
  if (typeof v !== 'string' || v.length === 0)
    throw new GatewayError(GatewayErrorCode.UNAVAILABLE, `card gateway: answer without ${field}`);
  return v;
}

/** The gateway's intent, checked: an answer we cannot read is not trusted with money. */
export function intentOf(j: Record<string, unknown>): PaymentIntent {
  const status = str(j, 'status');
  if (!(INTENT_STATUSES as readonly string[]).includes(status))
    throw new GatewayError(GatewayErrorCode.UNAVAILABLE, `card gateway: unknown intent status ${status.slice(0, 32)}`);
  const amount = str(j, 'amountMinor');
  if (!/^[1-9][0-9]{0,18}$/.test(amount)) throw new GatewayError(GatewayErrorCode.UNAVAILABLE, 'card gateway: bad amountMinor');
  return {
    id: str(j, 'id'),
    idempotencyKey: str(j, 'idempotencyKey'),
    status: status as PaymentIntent['status'],
    amountMinor: BigInt(amount),
    currency: str(j, 'currency'),
    failureCode: typeof j.failureCode === 'string' ? j.failureCode : null,
    chargeback: chargebackOf(j.chargeback, BigInt(amount)),
  };
}

/**
 * A chargeback as the gateway reports it; anything malformed is the gateway's failure, never money to
 * move. Without `amountMinor` it is of the whole intent; with one, at most the intent's amount.
 */
function chargebackOf(v: unknown, intentMinor: bigint): PaymentIntent['chargeback'] {
  if (v === null || v === undefined) return null;
  const c = v as { id?: unknown; reason?: unknown; amountMinor?: unknown };
  const amount =
    c.amountMinor === undefined
      ? intentMinor
      : typeof c.amountMinor === 'string' && /^[1-9][0-9]{0,18}$/.test(c.amountMinor)
        ? BigInt(c.amountMinor)
        : null;
  if (
    typeof c.id !== 'string' ||
    !/^[A-Za-z0-9_.:-]{1,128}$/.test(c.id) ||
    typeof c.reason !== 'string' ||
    !/^[a-z_]{1,64}$/.test(c.reason) ||
    amount === null ||
    amount > intentMinor
  )
    throw new GatewayError(GatewayErrorCode.UNAVAILABLE, 'card gateway: bad chargeback');
  return { id: c.id, reason: c.reason, amountMinor: amount };
}
