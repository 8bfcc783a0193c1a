/** The collections events' contract: subjects, stable ids, the schema field, and account ids refused as subject tokens. */
import {
  COLLECTIONS_EVENT_TYPES,
  collectionsEvent,
  collectionsEventIdOf,
  collectionsSubject,
  type PaymentReceivedItem,
  paymentReceivedEvents,
  paymentsReceivedBatch,
  validateDunningStepTaken,
} from './collections-event';
import { ROW_ID_MAX_LENGTH } from './ids';

const AT = new Date(Date.UTC(2026, 11, 3, 8));

describe('collectionsEvent', () => {
  const input = {
    type: 'PAYMENT_RETURNED' as const,
    accountId: 'acc-1',
    paymentId: 'pay-1',
    currency: 'EUR',
    amountMinor: '100',
    reason: 'AM04',
    reopened: [{ documentId: 'doc-1', amountMinor: '100' }],
  };

  it('derives the id from the type and the source: the same change is the same event', () => {
    const a = collectionsEvent(input, 'pay-1', AT);
    expect(collectionsEvent(input, 'pay-1', new Date(0)).eventId).toBe(a.eventId);
    expect(collectionsEvent(input, 'pay-2', AT).eventId).not.toBe(a.eventId);
    expect(a.eventId).toBe('ce-ret:pay-1');
  });

  it.each([
    ['PAYMENT_RECEIVED', 'pay-0123456789ab-B-1', 'ce-rcv:pay-0123456789ab-B-1'],
    ['PAYMENT_ALLOCATED', 'pay-0123456789ab-B-1', 'ce-alc:pay-0123456789ab-B-1'],
    ['PAYMENT_ALLOCATED', 'lt-allocated|x', 'ce-alc:lt-allocated:x'],
    ['PAYMENT_RECEIVED', `pay-${'r'.repeat(54)}`, /^ce-[0-9a-f]{40}$/], // 65 characters: hashed
    ['PAYMENT_RECEIVED', `pay-${'r'.repeat(53)}`, `ce-rcv:pay-${'r'.repeat(53)}`], // 64: plain
    ['PAYMENT_RECEIVED', 'case 1', /^ce-[0-9a-f]{40}$/], // not id characters: hashed
  ] as const)('collectionsEventIdOf(%s, %s) is %s: plain when it fits, a hash otherwise', (type, source, id) => {
    const got = collectionsEventIdOf(type, source);
    if (typeof id === 'string') expect(got).toBe(id);
    else expect(got).toMatch(id);
    expect(got.length).toBeLessThanOrEqual(ROW_ID_MAX_LENGTH);
    // A dunning notice's delivery is keyed by its event id: a delivery subject id's characters.
    expect(got).toMatch(/^[A-Za-z0-9._:-]+$/);
  });

  it('never gives two types or two sources one id, in either form', () => {
    const sources = ['pay-1', 'pay-1|x', `pay-${'r'.repeat(60)}`, `pay-${'r'.repeat(61)}`, 'a b'];
    const ids = COLLECTIONS_EVENT_TYPES.flatMap((t) => sources.map((s) => collectionsEventIdOf(t, s)));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('stamps the schema, the id and the time, and keeps every field of the event', () => {
    const e = collectionsEvent(input, 'pay-1', AT);
    expect(e.subject).toBe('ratel.collections.v1.payment-returned.acc-1');
    expect(e.payload).toEqual({ schema: 'ratel.collections.v1', eventId: e.eventId, occurredAt: '2026-12-03T08:00:00.000Z', ...input });
  });

  it('puts a payment without an account under _suspense and refuses an id that is not a subject token', () => {
    expect(collectionsSubject('PAYMENT_RECEIVED', null)).toBe('ratel.collections.v1.payment-received._suspense');
    expect(collectionsSubject('DUNNING_STEP_TAKEN', 'a_b-1')).toBe('ratel.collections.v1.dunning-step.a_b-1');
    expect(collectionsSubject('REFUND_STATUS_CHANGED', 'acc-1')).toBe('ratel.collections.v1.refund.acc-1');
    expect(() => collectionsSubject('PAYMENT_RECEIVED', 'acc.1')).toThrow(RangeError);
    expect(() => collectionsSubject('PAYMENT_RECEIVED', 'acc>')).toThrow(RangeError);
  });
});

describe('validateDunningStepTaken', () => {
  const good = collectionsEvent(
    {
      type: 'DUNNING_STEP_TAKEN',
      accountId: 'acc-1',
      caseId: 'dc-1',
      stepNo: 1,
      action: 'REMINDER_EMAIL',
      currency: 'EUR',
      overdueMinor: '100',
      oldestDueDate: '2026-11-01',
      takenOn: '2026-11-04',
      notices: [{ channel: 'EMAIL', template: 'REMINDER' }],
    },
    'dc-1|1',
    AT,
  ).payload;

  it('accepts the event as collections writes it', () => {
    expect(validateDunningStepTaken(JSON.parse(JSON.stringify(good)))).toEqual({ ok: true, value: good });
  });

  it.each([
    ['another schema', { schema: 'x' }, 'schema'],
    ['another type', { type: 'PAYMENT_RECEIVED' }, 'type'],
    ['an account id that is not a token', { accountId: 'a.b' }, 'accountId'],
    ['a float amount', { overdueMinor: '1.5' }, 'overdueMinor'],
    ['a bad date', { takenOn: '4 Nov' }, 'takenOn'],
    ['an unknown channel', { notices: [{ channel: 'FAX', template: 'REMINDER' }] }, 'notices'],
    ['an unknown template', { notices: [{ channel: 'EMAIL', template: 'THREAT' }] }, 'notices'],
  ])('refuses %s, naming %s', (_n, change, path) => {
    const v = validateDunningStepTaken({ ...good, ...change });
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.issues.map((i) => i.path)).toContain(path);
  });

  it('refuses what is not an object', () => {
    expect(validateDunningStepTaken('nope').ok).toBe(false);
    expect(validateDunningStepTaken(null).ok).toBe(false);
  });
});

describe('paymentsReceivedBatch (the compact batch row of payments received together)', () => {
  const item = (paymentId: string, x: Partial<PaymentReceivedItem> = {}): PaymentReceivedItem => ({
    paymentId,
    accountId: 'acc-1',
    channel: 'BANK_TRANSFER',
    currency: 'EUR',
    amountMinor: '700',
    unappliedMinor: '0',
    valueDate: '2026-12-02',
    status: 'ALLOCATED',
    matchRule: 'RF_REFERENCE',
    allocated: { ledgerTransactionId: 'lt-r|pay-1', allocations: [{ documentId: 'doc-1', amountMinor: '700' }] },
    ...x,
  });

  it("says each payment's fields once, in order, and each ledger transaction once", () => {
    const text = paymentsReceivedBatch(
      [
        item('pay-1'),
        item('pay-2', { accountId: null, matchRule: null, status: 'SUSPENSE', unappliedMinor: '700', allocated: undefined }),
        item('pay-3'),
      ],
      AT,
    );
    expect(JSON.parse(text!)).toEqual({
      form: 'payments-received.v1',
      occurredAt: '2026-12-03T08:00:00.000Z',
      ledgerTransactions: ['lt-r|pay-1'],
      payments: [
        ['pay-1', 'acc-1', 'EUR', '0', 'BANK_TRANSFER', '700', '2026-12-02', 'ALLOCATED', 'RF_REFERENCE', 0, [['doc-1', '700']]],
        ['pay-2', null, 'EUR', '700', 'BANK_TRANSFER', '700', '2026-12-02', 'SUSPENSE', null, null, null],
        ['pay-3', 'acc-1', 'EUR', '0', 'BANK_TRANSFER', '700', '2026-12-02', 'ALLOCATED', 'RF_REFERENCE', 0, [['doc-1', '700']]],
      ],
    });
    // The row's check and the SQL function read the form's name from the text's first characters.
    expect(text!.startsWith('{"form":"payments-received.v1",')).toBe(true);
  });

  it('is undefined when an event id would be a hash (the SQL function derives only the plain form)', () => {
    expect(paymentsReceivedBatch([item('pay-1'), item(`pay-${'r'.repeat(54)}`)], AT)).toBeUndefined();
    expect(paymentsReceivedBatch([item(`pay-${'r'.repeat(53)}`)], AT)).toBeDefined();
    expect(paymentsReceivedBatch([item('pay 1')], AT)).toBeUndefined();
  });

  it('refuses an account id that is not a subject token, as collectionsSubject does', () => {
    expect(() => paymentsReceivedBatch([item('pay-1', { accountId: 'acc.1' })], AT)).toThrow(RangeError);
  });

  it('gives PAYMENT_RECEIVED, then PAYMENT_ALLOCATED only for a payment that paid documents, both keyed by the payment', () => {
    expect(paymentReceivedEvents(item('pay-1')).map((e) => [e.input.type, e.source])).toEqual([
      ['PAYMENT_RECEIVED', 'pay-1'],
      ['PAYMENT_ALLOCATED', 'pay-1'],
    ]);
    expect(paymentReceivedEvents(item('pay-2', { allocated: undefined })).map((e) => e.input.type)).toEqual(['PAYMENT_RECEIVED']);
  });
});
