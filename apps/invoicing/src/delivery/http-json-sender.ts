/**
 * SMS through an HTTP SMS gateway, and push notifications to a webhook: one JSON POST per attempt,
 * carrying the delivery's idempotency key in the `Idempotency-Key` header, so a gateway that honours
 * it (the fake one does) delivers a retried message once. 2xx is sent; 408, 425, 429 and 5xx or no
 * answer are retried; any other 4xx is PERMANENT.
 */
import { DELIVERY_SEND_TIMEOUT_MS, GATEWAY_RESPONSE_MAX_BYTES, SMS_TEXT_MAX_LENGTH } from './delivery-limits';
import { SendFailure, Sender, SendRequest, SendResult } from './ports';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

const RETRIED_4XX = new Set([408, 425, 429]);

async function postJson(url: string, key: string, body: unknown, timeoutMs: number, headers: Record<string, string>): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [IDEMPOTENCY_HEADER]: key, ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new SendFailure('TRANSIENT', `POST ${url}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const text = (await res.text().catch(() => '')).slice(0, GATEWAY_RESPONSE_MAX_BYTES);
  if (res.ok) return text;
  const kind = res.status >= 500 || RETRIED_4XX.has(res.status) ? 'TRANSIENT' : 'PERMANENT';
  throw new SendFailure(kind, `POST ${url}: HTTP ${res.status} ${text.slice(0, 200)}`);
}

function messageIdFrom(body: string, fallback: string): string {
  try {
    const parsed = JSON.parse(body) as { id?: unknown };
    return typeof parsed.id === 'string' && parsed.id.length > 0 ? parsed.id : fallback;
  } catch {
    return fallback;
  }
}

export interface SmsSenderOptions {
  /** The gateway's send endpoint, e.g. http://gateway/messages. */
  url: string;
  /** Sender id shown on the handset. */
  from: string;
  /** Extra headers (the gateway's API key); never logged. */
  headers?: Record<string, string>;
  sendTimeoutMs?: number;
}

/** SMS: POST {from, to, text} to the gateway. The recipient is an E.164 number (digits, no '+'). */
export class SmsSender implements Sender {
  constructor(private readonly o: SmsSenderOptions) {}

  async send(req: SendRequest): Promise<SendResult> {
    if (!/^[0-9]{5,15}$/.test(req.recipient)) throw new SendFailure('PERMANENT', `not an E.164 number: ${req.recipient}`);
    if (req.payload.text.length > SMS_TEXT_MAX_LENGTH)
      throw new SendFailure('PERMANENT', `SMS text above ${SMS_TEXT_MAX_LENGTH} characters`);
    const body = await postJson(
      this.o.url,
      req.idempotencyKey,
      { from: this.o.from, to: req.recipient, text: req.payload.text },
      this.o.sendTimeoutMs ?? DELIVERY_SEND_TIMEOUT_MS,
      this.o.headers ?? {},
    );
    return { providerMessageId: messageIdFrom(body, req.idempotencyKey) };
  }
}

/** Push webhook: POST {text, ...data} to the recipient URL. */
export class WebhookSender implements Sender {
  constructor(private readonly o: { headers?: Record<string, string>; sendTimeoutMs?: number } = {}) {}

  async send(req: SendRequest): Promise<SendResult> {
    let url: URL;
    try {
      url = new URL(req.recipient);
    } catch {
      throw new SendFailure('PERMANENT', `not a URL: ${req.recipient}`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new SendFailure('PERMANENT', `not an http(s) URL: ${req.recipient}`);
    const body = await postJson(
      url.toString(),
      req.idempotencyKey,
      { text: req.payload.text, ...(req.payload.data ?? {}) },
      this.o.sendTimeoutMs ?? DELIVERY_SEND_TIMEOUT_MS,
      this.o.headers ?? {},
    );
    return { providerMessageId: messageIdFrom(body, req.idempotencyKey) };
  }
}
