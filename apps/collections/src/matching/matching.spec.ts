import { creditorReference } from '@app/money';
import { allocatePayment } from './allocate';
import { ROW_ID_MAX_LENGTH } from '@app/events';
import { paymentIdOf } from './apply-payment';
import { ledgerTransactionIdOf, paymentReceivedLegs, paymentsReceivedTransactions, RECEIVED_POSTINGS_MAX } from './ledger-accounts';
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

describe('paymentsReceivedTransactions', () => {
  const NOW = new Date(Date.UTC(2026, 11, 2, 18));
  const received = (
    paymentId: string,
    amount: number,
    allocated: number,
    accountId: string | null,
    more: { currency?: string; day?: string } = {},
  ) => ({
    paymentId,
    currency: more.currency ?? 'EUR',
    postedOn: more.day ?? '2026-12-02',
    legs: paymentReceivedLegs({ amountMinor: BigInt(amount), allocatedMinor: BigInt(allocated), accountId }),
  });
  const sum = (legs: readonly { amountMinor: bigint }[]) => legs.reduce((s, l) => s + l.amountMinor, 0n);

  it('posts a payment alone exactly as one payment: its key, its source, its legs', () => {
    const one = received('pay-1', 100, 60, 'acc-1');
    expect(paymentsReceivedTransactions([one], { importId: 'imp-1', now: NOW })).toEqual({
      txs: [
        {
          key: 'payment-received|pay-1',
          kind: 'PAYMENT_RECEIVED',
          sourceId: 'pay-1',
          currency: 'EUR',
          postedOn: '2026-12-02',
          now: NOW,
          legs: one.legs,
        },
      ],
      txOf: [0],
    });
  });

  it('posts payments of one currency and day as one transaction: one BANK debit of their sum, then each credit in order', () => {
    const ps = [received('pay-1', 100, 100, 'acc-1'), received('pay-2', 50, 20, 'acc-2'), received('pay-3', 7, 0, null)];
    const { txs, txOf } = paymentsReceivedTransactions(ps, { importId: 'imp-1', now: NOW });
    expect(txOf).toEqual([0, 0, 0]);
    expect(txs).toHaveLength(1);
    expect(txs[0]).toMatchObject({ key: 'payment-received|pay-1', sourceId: 'imp-1' });
    expect(txs[0].legs).toEqual([
      { account: 'BANK', party: null, amountMinor: 157n },
      { account: 'AR', party: 'acc-1', amountMinor: -100n },
      { account: 'AR', party: 'acc-2', amountMinor: -20n },
      { account: 'UNAPPLIED_CASH', party: 'acc-2', amountMinor: -30n },
      { account: 'SUSPENSE', party: null, amountMinor: -7n },
    ]);
    expect(sum(txs[0].legs)).toBe(0n);
    // No import: the first payment is the source.
    expect(paymentsReceivedTransactions(ps, { importId: null, now: NOW }).txs[0].sourceId).toBe('pay-1');
  });

  it('keeps currencies and posting days apart, and the debits of other cash accounts per party', () => {
    const deposit = (paymentId: string, accountId: string, amount: number) => ({
      ...received(paymentId, amount, amount, accountId),
      legs: paymentReceivedLegs({
        amountMinor: BigInt(amount),
        allocatedMinor: BigInt(amount),
        accountId,
        cash: { account: 'DEPOSITS_HELD', party: accountId },
      }),
    });
    const ps = [
      received('pay-1', 10, 10, 'acc-1'),
      received('pay-2', 20, 20, 'acc-2', { currency: 'USD' }),
      received('pay-3', 30, 30, 'acc-3', { day: '2026-12-03' }),
      deposit('pay-4', 'acc-4', 40),
      deposit('pay-5', 'acc-5', 50),
      received('pay-6', 60, 60, 'acc-6'),
    ];
    const { txs, txOf } = paymentsReceivedTransactions(ps, { importId: 'imp-1', now: NOW });
    expect(txOf).toEqual([0, 1, 2, 0, 0, 0]);
    expect(txs.map((t) => [t.key, t.currency, t.postedOn, t.sourceId])).toEqual([
      ['payment-received|pay-1', 'EUR', '2026-12-02', 'imp-1'],
      ['payment-received|pay-2', 'USD', '2026-12-02', 'pay-2'],
      ['payment-received|pay-3', 'EUR', '2026-12-03', 'pay-3'],
    ]);
    expect(txs[0].legs.filter((l) => l.amountMinor > 0n)).toEqual([
      { account: 'BANK', party: null, amountMinor: 70n },
      { account: 'DEPOSITS_HELD', party: 'acc-4', amountMinor: 40n },
      { account: 'DEPOSITS_HELD', party: 'acc-5', amountMinor: 50n },
    ]);
    for (const t of txs) expect(sum(t.legs)).toBe(0n);
  });

  it(`starts another transaction before one would hold more than RECEIVED_POSTINGS_MAX (${RECEIVED_POSTINGS_MAX}) postings`, () => {
    // Three legs each (a partial payment: BANK, AR, UNAPPLIED_CASH); the BANK debits merge into one per transaction.
    const n = RECEIVED_POSTINGS_MAX;
    const ps = Array.from({ length: n }, (_, i) => received(`pay-${i}`, 10, 4, `acc-${i}`));
    const { txs, txOf } = paymentsReceivedTransactions(ps, { importId: 'imp-1', now: NOW });
    const perTx = Math.floor((RECEIVED_POSTINGS_MAX - 1) / 2);
    expect(txs.map((t) => t.legs.length)).toEqual([1 + 2 * perTx, 1 + 2 * perTx, 1 + 2 * (n - 2 * perTx)]);
    expect(txs.map((t) => t.key)).toEqual(['payment-received|pay-0', `payment-received|pay-${perTx}`, `payment-received|pay-${2 * perTx}`]);
    expect(txOf[perTx - 1]).toBe(0);
    expect(txOf[perTx]).toBe(1);
    for (const t of txs) expect(sum(t.legs)).toBe(0n);
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
