import { creditorReference } from '@app/money';
import { allocatePayment } from './allocate';
import { ROW_ID_MAX_LENGTH } from '@app/events';
import { paymentIdOf } from './apply-payment';
import { ledgerTransactionIdOf, paymentReceivedLegs } from './ledger-accounts';
import { creditorReferencesIn, remittanceTokens } from './remittance';

const docs = (...open: number[]) => open.map((o, i) => ({ id: `d${i + 1}`, openMinor: BigInt(o) }));

describe('allocatePayment', () => {
  it.each([
    ['pays one document in full', 100, docs(100), false, [['d1', 100]], 0, false],
    ['pays a document in part', 40, docs(100), false, [['d1', 40]], 0, false],
    [
      'pays several documents oldest first, the last in part',
      60,
      docs(20, 30, 40),
      false,
      [
        ['d1', 20],
        ['d2', 30],
        ['d3', 10],
      ],
      0,
      false,
    ],
    [
      'keeps what is over as unapplied credit',
      110,
      docs(20, 30),
      false,
      [
        ['d1', 20],
        ['d2', 30],
      ],
      60,
      false,
    ],
    ['prefers the document of exactly the amount', 30, docs(20, 30, 30), true, [['d2', 30]], 0, true],
    [
      'pays oldest first when no amount is exact',
      35,
      docs(20, 30),
      true,
      [
        ['d1', 20],
        ['d2', 15],
      ],
      0,
      false,
    ],
    ['keeps everything as credit without documents', 50, docs(), true, [], 50, false],
  ])('%s', (_name, amount, targets, preferExactAmount, allocations, unapplied, exact) => {
    const plan = allocatePayment({ amountMinor: BigInt(amount), targets, preferExactAmount });
    expect(plan).toEqual({
      allocations: allocations.map(([id, a]) => ({ documentId: id, amountMinor: BigInt(a) })),
      unappliedMinor: BigInt(unapplied),
      exactAmount: exact,
    });
  });

  it('refuses a payment of zero and a document with nothing open (programmer errors)', () => {
    expect(() => allocatePayment({ amountMinor: 0n, targets: [], preferExactAmount: false })).toThrow(/must be positive/);
    expect(() => allocatePayment({ amountMinor: 5n, targets: docs(0), preferExactAmount: false })).toThrow(/no open amount/);
  });
});

describe('remittance', () => {
  const rf = creditorReference('INV2026000123');

  it('finds RF references typed compact, grouped by four, or glued to the next word; never a wrong check digit', () => {
    const grouped = rf.replace(/(.{4})/g, '$1 ').trim();
    expect(creditorReferencesIn([`pay ${rf}`, `ref ${grouped} thanks`])).toEqual([rf]);
    expect(creditorReferencesIn([`${rf}INVOICE`])).toEqual([rf]);
    expect(creditorReferencesIn([rf.replace(/^RF\d\d/, 'RF00')])).toEqual([]);
  });

  it('splits the text into words to look up, without short words and final dots', () => {
    expect(remittanceTokens(['Invoice INV2026-000002, acc-4. ok/ref:X1'])).toEqual(['Invoice', 'INV2026-000002', 'acc-4', 'ref']);
  });
});

describe('paymentReceivedLegs', () => {
  it('debits the bank and credits AR, unapplied cash or suspense, summing to zero', () => {
    expect(paymentReceivedLegs({ amountMinor: 110n, allocatedMinor: 50n, accountId: 'a' })).toEqual([
      { account: 'BANK', party: null, amountMinor: 110n },
      { account: 'AR', party: 'a', amountMinor: -50n },
      { account: 'UNAPPLIED_CASH', party: 'a', amountMinor: -60n },
    ]);
    expect(paymentReceivedLegs({ amountMinor: 10n, allocatedMinor: 0n, accountId: null })).toEqual([
      { account: 'BANK', party: null, amountMinor: 10n },
      { account: 'SUSPENSE', party: null, amountMinor: -10n },
    ]);
  });

  it('crashes on an allocation it cannot balance', () => {
    expect(() => paymentReceivedLegs({ amountMinor: 10n, allocatedMinor: 11n, accountId: 'a' })).toThrow(/outside/);
    expect(() => paymentReceivedLegs({ amountMinor: 10n, allocatedMinor: 5n, accountId: null })).toThrow(/unidentified/);
  });
});

describe('ids derived from idempotency keys', () => {
  const key = (bankReference: string, source = 'DE89370400440532013000') => ({ channel: 'BANK_TRANSFER' as const, source, bankReference });

  it('a payment id is the source prefix and the bank reference when that fits, so one statement sorts by reference', () => {
    const a = paymentIdOf(key('B-1'));
    expect(a).toMatch(/^pay-[0-9a-f]{12}-B-1$/);
    expect(paymentIdOf(key('B-1'))).toBe(a);
    expect(paymentIdOf(key('B-2')).slice(0, 17)).toBe(a.slice(0, 17));
    expect(paymentIdOf(key('B-1', 'OTHER')).slice(0, 17)).not.toBe(a.slice(0, 17));
    expect(paymentIdOf({ ...key('B-1'), channel: 'CARD' })).not.toBe(a);
    expect(paymentIdOf(key('2026120200000001')) < paymentIdOf(key('2026120200000002'))).toBe(true);
  });

  it.each([
    ['35 characters (camt.053 AcctSvcrRef at most)', 'R'.repeat(35), /^pay-[0-9a-f]{12}-R{35}$/],
    ['47 characters: 64 in all', 'R'.repeat(47), /^pay-[0-9a-f]{12}-R{47}$/],
    ['48 characters: hashed', 'R'.repeat(48), /^pay-[0-9a-f]{40}$/],
    ['a space: hashed', 'REF 1', /^pay-[0-9a-f]{40}$/],
    ['a slash (MT940): hashed', 'REF/1', /^pay-[0-9a-f]{40}$/],
  ])('a bank reference of %s', (_, reference, id) => {
    const got = paymentIdOf(key(reference));
    expect(got).toMatch(id);
    expect(got.length).toBeLessThanOrEqual(ROW_ID_MAX_LENGTH);
  });

  it('a ledger transaction id is lt- and the key when the key is <kind>|<source> of id characters and fits, else a hash', () => {
    expect(ledgerTransactionIdOf('payment-received|pay-0123456789ab-B-1')).toBe('lt-payment-received|pay-0123456789ab-B-1');
    expect(ledgerTransactionIdOf(`k|${'s'.repeat(59)}`)).toBe(`lt-k|${'s'.repeat(59)}`);
    expect(ledgerTransactionIdOf(`k|${'s'.repeat(60)}`)).toMatch(/^lt-[0-9a-f]{40}$/);
    expect(ledgerTransactionIdOf('no-kind')).toMatch(/^lt-[0-9a-f]{40}$/);
    expect(ledgerTransactionIdOf('refund-paid|a b')).toMatch(/^lt-[0-9a-f]{40}$/);
    expect(ledgerTransactionIdOf('write-off|x')).not.toBe(ledgerTransactionIdOf('refund-paid|x'));
  });
});
