/**
 * A fake card gateway for tests, run as its own process (main.ts): payment intents that settle
 * after a delay (processing -> succeeded/failed), Idempotency-Key honoured (same key and body: the
 * same intent; same key, another body: 409), card tokens, refunds, and signed webhooks that can be
 * duplicated, delivered late or out of order. State is in memory. Never for production.
 *
 * Magic amounts (amountMinor modulo 10000, i.e. the last four digits of the minor amount):
 *   0002 -> failed, card_declined        0003 -> failed, insufficient_funds
 *   0009 -> the FIRST create request with its key is answered only after FAKE_CARD_HANG_MS (past any
 *           client timeout); the intent itself is created at once and settles (succeeded) as usual,
 *           and a retry with the same key is answered at once. The same for a refund of such an amount:
 *           made at once, its first answer held back.
 *   anything else -> succeeded.
 *
 * API (Bearer FAKE_CARD_API_KEY; amounts are decimal strings of minor units):
 *   POST /v1/tokens {number, expMonth, expYear}           -> {token, last4, brand} (what a browser would do)
 *   POST /v1/payment_intents (Idempotency-Key) {amountMinor, currency, cardToken, description}
 *   GET  /v1/payment_intents/{id}
 *   POST /v1/refunds (Idempotency-Key) {intentId, amountMinor}
 * Control (tests, no auth):
 *   POST /control/webhooks {url?, duplicate?, outOfOrder?, delayMs?}   where and how to deliver events
 *   POST /control/resend {eventId, ageSeconds}   sends a past event again, signed as of ageSeconds ago
 *   POST /control/chargeback {intentId, reason, amountMinor?}  the issuer takes a succeeded intent's money
 *                                                back, all of it or amountMinor (a lost dispute): the intent
 *                                                shows {chargeback: {id, reason, amountMinor}} and a
 *                                                charge.dispute.lost webhook goes out
 *   GET  /control/state   create requests, intents, deliveries, refunds
 * Webhooks: POST to the url, body {id, type, created, data: {intent: {...as of the event}}}, header
 * Card-Signature: t=<unix seconds>,v1=HMAC-SHA256(secret, t + "." + body) in hex.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export const MAGIC_DECLINED = 2n;
export const MAGIC_INSUFFICIENT_FUNDS = 3n;
export const MAGIC_HANG = 9n;
const MAGIC_MODULUS = 10_000n;
/** Deliveries of one webhook before giving up. */
export const WEBHOOK_ATTEMPTS_MAX = 5;
const WEBHOOK_RETRY_PAUSE_MS = 200;
const BODY_MAX_BYTES = 64 * 1024;

export interface FakeGatewayOptions {
  apiKey: string;
  webhookSecret: string;
  webhookUrl: string | null;
  settleMs: number;
  hangMs: number;
  duplicate: boolean;
  outOfOrder: boolean;
  delayMs: number;
}

interface Intent {
  id: string;
  idempotencyKey: string;
  requestHash: string;
  amountMinor: bigint;
  currency: string;
  description: string;
  outcome: 'succeeded' | 'failed';
  failureCode: string | null;
  settleAtMs: number;
  refundedMinor: bigint;
  chargeback: { id: string; reason: string; amountMinor: string } | null;
}

interface GatewayEvent {
  id: string;
  type: string;
  created: number;
  data: { intent: Record<string, unknown> };
}

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(code);
  }
}

export class FakeCardGateway {
  private readonly intents = new Map<string, Intent>();
  private readonly byKey = new Map<string, string>();
  private readonly refunds = new Map<string, { hash: string; answer: Record<string, unknown> }>();
  private readonly tokens = new Map<string, { last4: string; brand: string }>();
  private readonly events: GatewayEvent[] = [];
  private readonly deliveries: { eventId: string; type: string; status: number | string; at: number }[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private createRequests = 0;
  readonly server: Server;

  constructor(private readonly o: FakeGatewayOptions) {
    this.server = createServer((req, res) => {
      this.route(req, res).catch((e: unknown) => {
        const f = e instanceof HttpFailure ? e : new HttpFailure(500, (e as Error).message);
        if (!res.headersSent) send(res, f.status, { error: f.code });
      });
    });
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.server.closeAllConnections();
    this.server.close();
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const body = req.method === 'POST' ? await readJson(req) : {};
    if (url.pathname.startsWith('/control/')) return this.control(req.method ?? '', url.pathname, body, res);
    if (req.headers.authorization !== `Bearer ${this.o.apiKey}`) throw new HttpFailure(401, 'unauthenticated');
    const key = req.headers['idempotency-key'];
    if (req.method === 'POST' && url.pathname === '/v1/tokens') return send(res, 200, this.tokenize(body));
    if (req.method === 'POST' && url.pathname === '/v1/payment_intents')
      return this.createIntent(typeof key === 'string' ? key : '', body, res);
    const m = /^\/v1\/payment_intents\/([A-Za-z0-9_]+)$/.exec(url.pathname);
    if (req.method === 'GET' && m !== null) {
      const intent = this.intents.get(m[1]);
      if (intent === undefined) throw new HttpFailure(404, 'no such intent');
      return send(res, 200, this.view(intent, Date.now()));
    }
    if (req.method === 'POST' && url.pathname === '/v1/refunds') {
      const k = typeof key === 'string' ? key : '';
      const first = !this.refunds.has(k);
      const answer = this.refund(k, body);
      // A refund of a magic 0009 amount is made at once and its FIRST answer held back (a client that dies waiting).
      if (first && typeof body.amountMinor === 'string' && BigInt(body.amountMinor) % MAGIC_MODULUS === MAGIC_HANG)
        return this.later(this.o.hangMs, () => send(res, 200, answer));
      return send(res, 200, answer);
    }
    throw new HttpFailure(404, 'no such route');
  }

  private tokenize(b: Record<string, unknown>): Record<string, unknown> {
    const number = typeof b.number === 'string' ? b.number.replace(/ /g, '') : '';
    if (!/^[0-9]{12,19}$/.test(number) || !luhn(number)) throw new HttpFailure(400, 'invalid card number');
    const token = `tok_${randomUUID().replace(/-/g, '')}`;
    const brand = number.startsWith('4') ? 'visa' : number.startsWith('5') ? 'mastercard' : 'card';
    this.tokens.set(token, { last4: number.slice(-4), brand });
    return { token, last4: number.slice(-4), brand };
  }

  private createIntent(key: string, b: Record<string, unknown>, res: ServerResponse): void {
    this.createRequests++;
    if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(key)) throw new HttpFailure(400, 'Idempotency-Key required');
    const amount = typeof b.amountMinor === 'string' && /^[1-9][0-9]{0,17}$/.test(b.amountMinor) ? BigInt(b.amountMinor) : null;
    if (amount === null) throw new HttpFailure(400, 'amountMinor: a positive integer string');
    if (typeof b.currency !== 'string' || !/^[A-Z]{3}$/.test(b.currency)) throw new HttpFailure(400, 'currency');
    if (typeof b.cardToken !== 'string' || !this.tokens.has(b.cardToken)) throw new HttpFailure(400, 'cardToken: unknown token');
    const hash = createHash('sha256')
      .update(JSON.stringify([b.amountMinor, b.currency, b.cardToken]))
      .digest('hex');
    const known = this.byKey.get(key);
    const now = Date.now();
    if (known !== undefined) {
      const intent = this.intents.get(known)!;
      if (intent.requestHash !== hash) throw new HttpFailure(409, 'idempotency_conflict: the key was used with another request');
      return send(res, 200, this.view(intent, now));
    }
    const magic = amount % MAGIC_MODULUS;
    const failureCode = magic === MAGIC_DECLINED ? 'card_declined' : magic === MAGIC_INSUFFICIENT_FUNDS ? 'insufficient_funds' : null;
    const intent: Intent = {
      id: `pi_${randomUUID().replace(/-/g, '')}`,
      idempotencyKey: key,
      requestHash: hash,
      amountMinor: amount,
      currency: b.currency,
      description: typeof b.description === 'string' ? b.description.slice(0, 200) : '',
      outcome: failureCode === null ? 'succeeded' : 'failed',
      failureCode,
      settleAtMs: now + this.o.settleMs,
      refundedMinor: 0n,
      chargeback: null,
    };
    this.intents.set(intent.id, intent);
    this.byKey.set(key, intent.id);
    const processing = this.event('payment_intent.processing', intent, now);
    this.later(this.o.settleMs, () => {
      const final = this.event(
        intent.outcome === 'succeeded' ? 'payment_intent.succeeded' : 'payment_intent.payment_failed',
        intent,
        Date.now(),
      );
      if (this.o.outOfOrder) {
        this.deliver(final);
        this.later(WEBHOOK_RETRY_PAUSE_MS, () => this.deliver(processing));
      } else this.deliver(final);
    });
    if (!this.o.outOfOrder) this.deliver(processing);
    if (magic === MAGIC_HANG) this.later(this.o.hangMs, () => send(res, 200, this.view(intent, Date.now())));
    else send(res, 200, this.view(intent, now));
  }

  private refund(key: string, b: Record<string, unknown>): Record<string, unknown> {
    if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(key)) throw new HttpFailure(400, 'Idempotency-Key required');
    const hash = JSON.stringify([b.intentId, b.amountMinor]);
    const prior = this.refunds.get(key);
    if (prior !== undefined) {
      if (prior.hash !== hash) throw new HttpFailure(409, 'idempotency_conflict');
      return prior.answer;
    }
    const intent = typeof b.intentId === 'string' ? this.intents.get(b.intentId) : undefined;
    if (intent === undefined) throw new HttpFailure(404, 'no such intent');
    const amount = typeof b.amountMinor === 'string' && /^[1-9][0-9]{0,17}$/.test(b.amountMinor) ? BigInt(b.amountMinor) : null;
    if (amount === null) throw new HttpFailure(400, 'amountMinor');
    const settled = this.view(intent, Date.now()).status === 'succeeded';
    const ok = settled && intent.refundedMinor + amount <= intent.amountMinor;
    if (ok) intent.refundedMinor += amount;
    const answer = {
      id: `re_${randomUUID().replace(/-/g, '')}`,
      intentId: intent.id,
      status: ok ? 'succeeded' : 'failed',
      amountMinor: amount.toString(),
      failureCode: ok ? null : settled ? 'amount_exceeds_captured' : 'intent_not_succeeded',
    };
    this.refunds.set(key, { hash, answer });
    return answer;
  }

  private view(i: Intent, nowMs: number): Record<string, unknown> {
    const settled = nowMs >= i.settleAtMs;
    return {
      id: i.id,
      idempotencyKey: i.idempotencyKey,
      status: settled ? i.outcome : 'processing',
      amountMinor: i.amountMinor.toString(),
      currency: i.currency,
      failureCode: settled ? i.failureCode : null,
      refundedMinor: i.refundedMinor.toString(),
      chargeback: i.chargeback,
    };
  }

  private event(type: string, intent: Intent, nowMs: number): GatewayEvent {
    const e = {
      id: `evt_${randomUUID().replace(/-/g, '')}`,
      type,
      created: Math.floor(nowMs / 1000),
      data: { intent: this.view(intent, nowMs) },
    };
    this.events.push(e);
    return e;
  }

  /** After delayMs (late delivery); with duplicate, the same event again once the first copy was answered. */
  private deliver(e: GatewayEvent): void {
    this.later(this.o.delayMs, () => {
      void this.post(e, 0, 1).then(() => (this.o.duplicate ? this.post(e, 0, 1) : undefined));
    });
  }

  private async post(e: GatewayEvent, ageSeconds: number, attempt: number): Promise<void> {
    if (this.o.webhookUrl === null) return;
    const body = JSON.stringify(e);
    const t = Math.floor(Date.now() / 1000) - ageSeconds;
    const mac = createHmac('sha256', this.o.webhookSecret).update(`${t}.${body}`).digest('hex');
    let status: number | string;
    try {
      const res = await fetch(this.o.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'card-signature': `t=${t},v1=${mac}` },
        body,
      });
      status = res.status;
      await res.text();
    } catch (err) {
      status = (err as Error).message;
    }
    this.deliveries.push({ eventId: e.id, type: e.type, status, at: Date.now() });
    const retry = typeof status !== 'number' || status >= 500;
    if (retry && attempt < WEBHOOK_ATTEMPTS_MAX) this.later(WEBHOOK_RETRY_PAUSE_MS, () => void this.post(e, ageSeconds, attempt + 1));
  }

  private control(method: string, path: string, b: Record<string, unknown>, res: ServerResponse): void {
    if (method === 'POST' && path === '/control/webhooks') {
      if (typeof b.url === 'string') this.o.webhookUrl = b.url;
      if (typeof b.duplicate === 'boolean') this.o.duplicate = b.duplicate;
      if (typeof b.outOfOrder === 'boolean') this.o.outOfOrder = b.outOfOrder;
      if (typeof b.delayMs === 'number') this.o.delayMs = b.delayMs;
      return send(res, 200, { ...this.o, apiKey: undefined, webhookSecret: undefined });
    }
    if (method === 'POST' && path === '/control/resend') {
      const e = this.events.find((x) => x.id === b.eventId);
      if (e === undefined) throw new HttpFailure(404, 'no such event');
      void this.post(e, typeof b.ageSeconds === 'number' ? b.ageSeconds : 0, WEBHOOK_ATTEMPTS_MAX);
      return send(res, 200, { resent: e.id });
    }
    if (method === 'POST' && path === '/control/chargeback') {
      const intent = typeof b.intentId === 'string' ? this.intents.get(b.intentId) : undefined;
      if (intent === undefined) throw new HttpFailure(404, 'no such intent');
      if (this.view(intent, Date.now()).status !== 'succeeded') throw new HttpFailure(409, 'only a succeeded intent is charged back');
      const amount =
        typeof b.amountMinor === 'string' && /^[1-9][0-9]{0,17}$/.test(b.amountMinor) ? BigInt(b.amountMinor) : intent.amountMinor;
      if (amount > intent.amountMinor) throw new HttpFailure(400, 'amountMinor: at most the intent amount');
      intent.chargeback ??= {
        id: `dp_${randomUUID().replace(/-/g, '')}`,
        reason: typeof b.reason === 'string' && /^[a-z_]{1,64}$/.test(b.reason) ? b.reason : 'fraudulent',
        amountMinor: amount.toString(),
      };
      this.deliver(this.event('charge.dispute.lost', intent, Date.now()));
      return send(res, 200, this.view(intent, Date.now()));
    }
    if (method === 'GET' && path === '/control/state') {
      const now = Date.now();
      return send(res, 200, {
        createRequests: this.createRequests,
        intents: [...this.intents.values()].map((i) => this.view(i, now)),
        events: this.events.map((e) => ({ id: e.id, type: e.type, intentId: e.data.intent.id })),
        deliveries: this.deliveries,
        refunds: [...this.refunds.values()].map((r) => r.answer),
      });
    }
    throw new HttpFailure(404, 'no such control route');
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > BODY_MAX_BYTES) throw new HttpFailure(413, 'body too large');
    chunks.push(c as Buffer);
  }
  if (size === 0) return {};
  try {
    const v: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch {
    throw new HttpFailure(400, 'body: not a JSON object');
  }
}

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}
