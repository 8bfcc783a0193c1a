/**
 * The pure parts of refunds: each circuit breaker at its edge, the gateway-health window, the request
 * parser's bad-input table (each naming its field), the ledger legs, and the pain.001 builder.
 */
import { CollectionsError } from '../payments/collections-error';
import { type BreakerLimits, GATEWAY_HEALTH_MIN_CALLS, GatewayHealth, holdReasons, type RefundFacts } from './circuit-breakers';
import { buildPain001 } from './pain001';
import { parseRefundRequest, REFUND_AMOUNT_MAX_MINOR, refundIdOf, refundPaidLegs, refundRequestedLegs } from './refunds';

const LIMITS: BreakerLimits = { averageLimitPercent: 200, dailyCapMinor: 10_000n, gatewayErrorRatePercent: 20 };
const CLEAN: RefundFacts = {
  amountMinor: 2_000n,
  method: 'BANK_TRANSFER',
  earlierRefunds: 0,
  sourceAlreadyPaidMinor: 0n,
  receipts: { count: 2, sumMinor: 2_000n },
  sourceSettled: true,
  inDunning: false,
  releasedTodayMinor: 0n,
  gateway: { calls: 0, errors: 0 },
};

describe('holdReasons', () => {
  it('nothing trips for a clean refund at exactly 2x the average and exactly the cap', () => {
    expect(holdReasons(CLEAN, LIMITS)).toEqual([]);
    expect(holdReasons({ ...CLEAN, releasedTodayMinor: 8_000n }, LIMITS)).toEqual([]);
  });

  it.each<[string, Partial<RefundFacts>, string[]]>([
    ['an earlier refund of the source', { earlierRefunds: 1 }, ['ALREADY_REFUNDED']],
    ['a credit note partly settled', { sourceAlreadyPaidMinor: 1n }, ['ALREADY_PAID']],
    ['one minor unit above 2x the average', { amountMinor: 2_001n }, ['ABOVE_AVERAGE']],
    ['no receipt in six months', { receipts: { count: 0, sumMinor: 0n } }, ['ABOVE_AVERAGE']],
    ['a source not settled', { sourceSettled: false }, ['SOURCE_NOT_SETTLED']],
    ['an account in dunning', { inDunning: true }, ['ACCOUNT_IN_DUNNING']],
    ['one minor unit past the daily cap', { releasedTodayMinor: 8_001n }, ['DAILY_CAP']],
    ['a card refund while 2 of 5 calls failed', { method: 'CARD', gateway: { calls: 5, errors: 2 } }, ['GATEWAY_ERRORS']],
    [
      'several at once, in order',
      { inDunning: true, earlierRefunds: 2, sourceSettled: false },
      ['ALREADY_REFUNDED', 'SOURCE_NOT_SETTLED', 'ACCOUNT_IN_DUNNING'],
    ],
  ])('%s', (_name, change, reasons) => {
    expect(holdReasons({ ...CLEAN, ...change }, LIMITS)).toEqual(reasons);
  });

  it('the gateway breaker needs enough calls, is a rate above the threshold, and ignores bank refunds', () => {
    expect(holdReasons({ ...CLEAN, method: 'CARD', gateway: { calls: GATEWAY_HEALTH_MIN_CALLS - 1, errors: 4 } }, LIMITS)).toEqual([]);
    expect(holdReasons({ ...CLEAN, method: 'CARD', gateway: { calls: 10, errors: 2 } }, LIMITS)).toEqual([]); // exactly 20 %
    expect(holdReasons({ ...CLEAN, method: 'BANK_TRANSFER', gateway: { calls: 10, errors: 10 } }, LIMITS)).toEqual([]);
  });
});

describe('GatewayHealth', () => {
  it('counts the calls and errors of the window only', () => {
    const h = new GatewayHealth(1_000);
    h.record(0, true);
    h.record(500, false);
    h.record(900, true);
    expect(h.snapshot(1_000)).toEqual({ calls: 3, errors: 2 });
    expect(h.snapshot(1_600)).toEqual({ calls: 1, errors: 1 });
    expect(h.snapshot(5_000)).toEqual({ calls: 0, errors: 0 });
  });
});

describe('parseRefundRequest', () => {
  const good = { paymentId: 'pay-1', method: 'BANK_TRANSFER', payee: { name: 'Jane', iban: 'DE89 3704 0044 0532 0130 00' } };

  it('reads a good request (the IBAN in its electronic form)', () => {
    expect(parseRefundRequest('key-1', good, 'alice')).toEqual({
      idempotencyKey: 'key-1',
      paymentId: 'pay-1',
      documentId: null,
      depositId: null,
      cardPaymentId: null,
      amountMinor: null,
      method: 'BANK_TRANSFER',
      payee: { name: 'Jane', iban: 'DE89370400440532013000', bic: null },
      reason: null,
      actor: 'alice',
    });
  });

  it.each<[string, string | undefined, Record<string, unknown>, string]>([
    ['no idempotency key', undefined, good, 'Idempotency-Key'],
    ['no source', 'k', { method: 'CARD' }, 'paymentId'],
    ['two sources', 'k', { ...good, documentId: 'doc-1' }, 'paymentId'],
    ['a bad payment id', 'k', { ...good, paymentId: 'a b' }, 'paymentId'],
    ['a card top-up beside a payment', 'k', { ...good, cardPaymentId: 'cp-1' }, 'paymentId'],
    ['a bad card payment id', 'k', { method: 'CARD', cardPaymentId: 'a b' }, 'cardPaymentId'],
    ['an unknown method', 'k', { ...good, method: 'CASH' }, 'method'],
    ['a number as amount', 'k', { ...good, amountMinor: 100 }, 'amountMinor'],
    ['a zero amount', 'k', { ...good, amountMinor: '0' }, 'amountMinor'],
    ['an amount above the limit', 'k', { ...good, amountMinor: (REFUND_AMOUNT_MAX_MINOR + 1n).toString() }, 'amountMinor'],
    ['a payee that is not an object', 'k', { ...good, payee: 'Jane' }, 'payee'],
    ['a payee without name', 'k', { ...good, payee: { iban: 'DE89370400440532013000' } }, 'payee.name'],
    ['a payee IBAN with a bad checksum', 'k', { ...good, payee: { name: 'J', iban: 'DE88370400440532013000' } }, 'payee.iban'],
    ['a bad BIC', 'k', { ...good, payee: { name: 'J', iban: 'DE89370400440532013000', bic: 'nope' } }, 'payee.bic'],
    ['an unknown payee field', 'k', { ...good, payee: { name: 'J', iban: 'DE89370400440532013000', card: '4242' } }, 'payee.card'],
    ['a payee for a card refund', 'k', { ...good, method: 'CARD' }, 'payee'],
    ['a reason of control characters', 'k', { ...good, reason: 'a\u0007b' }, 'reason'],
  ])('%s is INVALID_ARGUMENT naming %s', (_name, key, body, parameter) => {
    try {
      parseRefundRequest(key, body, 'alice');
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(CollectionsError);
      expect((e as CollectionsError).details.parameter).toBe(parameter);
    }
  });

  it('derives a stable refund id of at most 35 characters (an end-to-end id) from the key', () => {
    expect(refundIdOf('key-1')).toBe(refundIdOf('key-1'));
    expect(refundIdOf('key-1')).not.toBe(refundIdOf('key-2'));
    expect(refundIdOf('key-1')).toMatch(/^rf-[0-9a-f]{32}$/);
  });
});

describe('ledger legs', () => {
  it('requested, paid and released each sum to zero and move the money through REFUNDS_PAYABLE', () => {
    const requested = refundRequestedLegs({ sourceKind: 'ACCOUNT_CREDIT', accountId: 'a', amountMinor: 500n });
    expect(requested).toEqual([
      { account: 'UNAPPLIED_CASH', party: 'a', amountMinor: 500n },
      { account: 'REFUNDS_PAYABLE', party: 'a', amountMinor: -500n },
    ]);
    expect(refundRequestedLegs({ sourceKind: 'CREDIT_NOTE', accountId: 'a', amountMinor: 500n })[0].account).toBe('AR');
    expect(refundPaidLegs({ accountId: 'a', amountMinor: 500n })).toEqual([
      { account: 'REFUNDS_PAYABLE', party: 'a', amountMinor: 500n },
      { account: 'BANK', party: null, amountMinor: -500n },
    ]);
  });
});

describe('buildPain001', () => {
  const file = {
    messageId: 'ct-1',
    createdAt: '2026-12-03T08:00:00',
    executionDate: '2026-12-04',
    debtor: { name: 'Ratel', iban: 'DE89370400440532013000' },
    transfers: [
      {
        endToEndId: 'rf-1',
        amountMinor: 1234n,
        creditorName: 'Zoë Müller & Co',
        creditorIban: 'FR1420041010050500013M02606',
        remittance: 'Refund <1>',
      },
      {
        endToEndId: 'rf-2',
        amountMinor: 1n,
        creditorName: 'B',
        creditorIban: 'DE02120300000000202051',
        creditorBic: 'BYLADEM1001',
        remittance: 'x',
      },
    ],
  };

  it('is the same bytes for the same batch, with exact amounts and SEPA text', () => {
    const xml = buildPain001(file);
    expect(buildPain001(file)).toBe(xml);
    expect(xml).toContain('<CtrlSum>12.35</CtrlSum>');
    expect(xml).toContain('<InstdAmt Ccy="EUR">12.34</InstdAmt>');
    expect(xml).toContain('<InstdAmt Ccy="EUR">0.01</InstdAmt>');
    expect(xml).toContain('<Nm>Zoe Muller Co</Nm>');
    expect(xml).toContain('<BIC>BYLADEM1001</BIC>');
    expect(xml).toContain('<Ustrd>Refund 1</Ustrd>');
  });

  it('refuses an empty batch', () => {
    expect(() => buildPain001({ ...file, transfers: [] })).toThrow(/at least one/);
  });
});
