/**
 * The HTTP adapter of the PaymentGateway port against the fake card gateway, run as its own process:
 * idempotent creation (same key and body: the same intent; another body: IDEMPOTENCY_CONFLICT),
 * settling after a delay, declines by magic amount, a hung call as TIMEOUT (and the retry answered),
 * refunds once per key and never beyond the amount, a wrong API key as REFUSED.
 */
import { waitFor } from '@app/devstack';
import { FAKE_CARD_API_KEY, type FakeCardGatewayProcess, startFakeCardGateway } from '../testing/fake-card-gateway/start';
import { HttpPaymentGateway } from './http-payment-gateway';
import { GatewayError, GatewayErrorCode } from './payment-gateway.port';

const TIMEOUT_MS = 1_000;
const SETTLE_TIMEOUT_MS = 20_000;

let fake: FakeCardGatewayProcess;
let gateway: HttpPaymentGateway;
let token: string;

beforeAll(async () => {
  fake = await startFakeCardGateway({ FAKE_CARD_SETTLE_MS: '200' });
  gateway = new HttpPaymentGateway({ baseUrl: fake.url, apiKey: FAKE_CARD_API_KEY, timeoutMs: TIMEOUT_MS });
  token = (await fake.tokenize('4000056655665556')).token;
}, 90_000);

afterAll(async () => {
  await fake?.stop();
});

const intent = (key: string, amountMinor: bigint) =>
  gateway.createIntent({ idempotencyKey: key, amountMinor, currency: 'EUR', cardToken: token, description: 'spec' });

async function codeOf(p: Promise<unknown>): Promise<GatewayErrorCode | 'resolved'> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    if (e instanceof GatewayError) return e.code;
    throw e;
  }
}

describe('HttpPaymentGateway against the fake gateway', () => {
  it('creates an intent once per key, which settles; another body under the key is a conflict', async () => {
    const a = await intent('k-1', 1500n);
    expect(a).toMatchObject({ idempotencyKey: 'k-1', status: 'processing', amountMinor: 1500n, currency: 'EUR', failureCode: null });
    expect((await intent('k-1', 1500n)).id).toBe(a.id);
    expect(await codeOf(intent('k-1', 1600n))).toBe(GatewayErrorCode.IDEMPOTENCY_CONFLICT);
    const settled = await waitFor(
      'settled',
      () => gateway.getIntent(a.id),
      (i) => i.status !== 'processing',
      SETTLE_TIMEOUT_MS,
    );
    expect(settled.status).toBe('succeeded');
    expect((await fake.state()).intents.filter((i) => i.idempotencyKey === 'k-1')).toHaveLength(1);
  });

  it('fails the magic amounts with their codes', async () => {
    for (const [amount, code] of [
      [10002n, 'card_declined'],
      [10003n, 'insufficient_funds'],
    ] as const) {
      const i = await intent(`k-${amount}`, amount);
      const settled = await waitFor(
        'settled',
        () => gateway.getIntent(i.id),
        (x) => x.status !== 'processing',
        SETTLE_TIMEOUT_MS,
      );
      expect([settled.status, settled.failureCode]).toEqual(['failed', code]);
    }
  });

  it('times out on the hanging amount; the retry with the same key finds the intent already made', async () => {
    expect(await codeOf(intent('k-hang', 20009n))).toBe(GatewayErrorCode.TIMEOUT);
    const retried = await intent('k-hang', 20009n);
    expect(retried.idempotencyKey).toBe('k-hang');
    expect((await fake.state()).intents.filter((i) => i.idempotencyKey === 'k-hang')).toHaveLength(1);
  });

  it('refunds a succeeded intent once per key and never beyond its amount', async () => {
    const i = await intent('k-refund', 5000n);
    await waitFor(
      'succeeded',
      () => gateway.getIntent(i.id),
      (x) => x.status === 'succeeded',
      SETTLE_TIMEOUT_MS,
    );
    const r1 = await gateway.refund({ idempotencyKey: 'r-1', intentId: i.id, amountMinor: 3000n });
    expect(r1).toMatchObject({ intentId: i.id, status: 'succeeded', amountMinor: 3000n });
    expect((await gateway.refund({ idempotencyKey: 'r-1', intentId: i.id, amountMinor: 3000n })).id).toBe(r1.id);
    expect(await codeOf(gateway.refund({ idempotencyKey: 'r-1', intentId: i.id, amountMinor: 100n }))).toBe(
      GatewayErrorCode.IDEMPOTENCY_CONFLICT,
    );
    const tooMuch = await gateway.refund({ idempotencyKey: 'r-2', intentId: i.id, amountMinor: 2001n });
    expect([tooMuch.status, tooMuch.failureCode]).toEqual(['failed', 'amount_exceeds_captured']);
    expect((await gateway.refund({ idempotencyKey: 'r-3', intentId: i.id, amountMinor: 2000n })).status).toBe('succeeded');
  });

  it('answers REFUSED to a wrong API key and an unknown intent, UNAVAILABLE when nobody listens', async () => {
    const wrong = new HttpPaymentGateway({ baseUrl: fake.url, apiKey: 'wrong', timeoutMs: TIMEOUT_MS });
    expect(await codeOf(wrong.getIntent('pi_x'))).toBe(GatewayErrorCode.REFUSED);
    expect(await codeOf(gateway.getIntent('pi_unknown'))).toBe(GatewayErrorCode.REFUSED);
    const nobody = new HttpPaymentGateway({ baseUrl: 'http://127.0.0.1:9', apiKey: 'k', timeoutMs: TIMEOUT_MS });
    expect(await codeOf(nobody.getIntent('pi_x'))).toBe(GatewayErrorCode.UNAVAILABLE);
  });
});
