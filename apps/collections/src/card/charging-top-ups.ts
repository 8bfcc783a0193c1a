/**
 * Charging's provisioning top-up API over HTTP (apps/charging/src/provisioning/top-ups):
 * POST {CHARGING_API_URL}/v1/accounts/{accountId}/top-ups with `Idempotency-Key` = the card
 * payment's id and `{ amount }` in currency units (decimal string), `x-api-key` with the write role.
 * The same key and amount return the first answer, so a retry never tops up twice. A charged-back
 * top-up is taken back by POST .../top-ups/{topUpId}/reversal, once per top-up.
 */
import { formatMoney, minorToMicros } from '@app/money';

export type TopUpOutcome = { kind: 'DONE'; topUpId: string } | { kind: 'REFUSED'; error: string } | { kind: 'RETRY'; error: string };

export interface ChargingTopUps {
  topUp(p: { accountId: string; idempotencyKey: string; amountMinor: bigint; currency: string }): Promise<TopUpOutcome>;
  /** Takes `amountMinor` of top-up `topUpId` back (its card payment was charged back); once per top-up in charging. */
  reverse(p: { accountId: string; topUpId: string; amountMinor: bigint; currency: string }): Promise<TopUpOutcome>;
}

export class HttpChargingTopUps implements ChargingTopUps {
  constructor(private readonly o: { baseUrl: string; apiKey: string; timeoutMs: number }) {}

  topUp(p: { accountId: string; idempotencyKey: string; amountMinor: bigint; currency: string }): Promise<TopUpOutcome> {
    return this.post(
      'charging top-up',
      `/v1/accounts/${encodeURIComponent(p.accountId)}/top-ups`,
      { amount: formatMoney(minorToMicros(p.amountMinor, p.currency)) },
      { 'idempotency-key': p.idempotencyKey },
    );
  }

  /** POST .../top-ups/{topUpId}/reversal `{ amount }`: charging keeps one reversal per top-up, so a retry answers it again. */
  reverse(p: { accountId: string; topUpId: string; amountMinor: bigint; currency: string }): Promise<TopUpOutcome> {
    return this.post(
      'charging top-up reversal',
      `/v1/accounts/${encodeURIComponent(p.accountId)}/top-ups/${encodeURIComponent(p.topUpId)}/reversal`,
      { amount: formatMoney(minorToMicros(p.amountMinor, p.currency)) },
      {},
    );
  }

  private async post(what: string, path: string, body: Record<string, unknown>, headers: Record<string, string>): Promise<TopUpOutcome> {
    let res: Response;
    let text: string;
    try {
      res = await fetch(new URL(path, this.o.baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': this.o.apiKey, ...headers },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
      text = await res.text();
    } catch (e) {
      return { kind: 'RETRY', error: `${what}: ${(e as Error).message}` };
    }
    if (res.status === 201 || res.status === 200) {
      const id = (JSON.parse(text) as { id?: unknown }).id;
      if (typeof id !== 'string') return { kind: 'RETRY', error: `${what}: answer without id` };
      return { kind: 'DONE', topUpId: id };
    }
    // 5xx (503: saved, not yet applied) and 429: the same request again later. Auth errors too: a fixed key is an operator's fix, not a refusal of the money.
    if (res.status >= 500 || res.status === 429 || res.status === 401 || res.status === 403)
      return { kind: 'RETRY', error: `${what}: ${res.status} ${text.slice(0, 300)}` };
    return { kind: 'REFUSED', error: `${what}: ${res.status} ${text.slice(0, 300)}` };
  }
}
