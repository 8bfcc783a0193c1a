import {
  DUPLICATE_WINDOW_MS,
  EventValidationError,
  notifySubject,
  parseNotification,
  parseOutboxData,
  parseRatedEvent,
  ratedSubject,
  RATED_SUBJECTS,
  validateNotification,
  validateRatedEvent,
} from './index';

const debit = {
  schema: 'ratel.rated.v1',
  eventId: 'a'.repeat(40),
  type: 'DEBIT',
  accountId: 'acct-1',
  subscriberId: '4915112345678',
  sessionId: 'pgw1;123;456',
  requestId: '',
  requestNumber: 1,
  ratingGroup: 10,
  serviceId: 1,
  unit: 'BYTES',
  usedUnits: 1500,
  billableUnits: 2048,
  allowanceUnits: 1024,
  allowances: [{ bucketId: 'b-1', units: 1024 }],
  amountMicros: '2000',
  currency: 'EUR',
  balanceAfterMicros: '-5000',
  tariffId: 'plan-1:v3:data',
  cycleId: '2026-11',
  occurredAtMs: 1_790_000_000_000,
};

const low = {
  schema: 'ratel.notification.v1',
  eventId: 'b'.repeat(40),
  type: 'LOW_BALANCE',
  accountId: 'acct-1',
  thresholdMicros: '5000000',
  balanceAfterMicros: '4999000',
  currency: 'EUR',
  occurredAtMs: 1_790_000_000_000,
};

describe('ratel.rated.v1', () => {
  it('accepts a valid debit and drops unknown fields', () => {
    const e = parseRatedEvent({ ...debit, futureField: 1 });
    expect(e.amountMicros).toBe('2000');
    expect('futureField' in e).toBe(false);
  });

  it.each([
    ['REFUND', { type: 'REFUND', amountMicros: '-2000' }],
    ['REFUND with cycleUnits', { type: 'REFUND', amountMicros: '-2000', cycleUnits: 1024 }],
    ['REFUND with cycleUnits 0', { type: 'REFUND', amountMicros: '-2000', cycleUnits: 0 }],
    ['TOPUP', { type: 'TOPUP', amountMicros: '-10000000', unit: 'MONEY', allowances: [], allowanceUnits: 0, subscriberId: '' }],
    ['RELEASE', { type: 'RELEASE', amountMicros: '0', reason: 'TERMINATED', releasedMicros: '300' }],
    ['EXPIRY', { type: 'EXPIRY', amountMicros: '0', reason: 'VALIDITY_EXPIRED' }],
    ['int64 max', { amountMicros: '9223372036854775807' }],
    ['optional overage', { overageUnits: 5, shortfallMicros: '12' }],
    ['opening debt', { type: 'TOPUP', amountMicros: '500', reason: 'INITIAL_BALANCE', unit: 'MONEY', allowances: [], allowanceUnits: 0 }],
  ])('accepts %s', (_name, patch) => {
    expect(validateRatedEvent({ ...debit, ...patch }).ok).toBe(true);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['schema', { schema: 'ratel.rated.v2' }, 'schema'],
    ['eventId', { eventId: 'A'.repeat(40) }, 'eventId'],
    ['type', { type: 'CREDIT' }, 'type'],
    ['accountId', { accountId: 'a.b' }, 'accountId'],
    ['subscriberId', { subscriberId: '+4915' }, 'subscriberId'],
    ['sessionId', { sessionId: 'a|b' }, 'sessionId'],
    ['requestId', { requestId: 'x'.repeat(129) }, 'requestId'],
    ['requestNumber', { requestNumber: -1 }, 'requestNumber'],
    ['ratingGroup', { ratingGroup: 1.5 }, 'ratingGroup'],
    ['serviceId', { serviceId: '1' }, 'serviceId'],
    ['unit', { unit: 'PACKETS' }, 'unit'],
    ['usedUnits', { usedUnits: 2 ** 53 }, 'usedUnits'],
    ['billableUnits', { billableUnits: -1 }, 'billableUnits'],
    ['allowanceUnits', { allowanceUnits: 1023 }, 'allowances'],
    ['allowances', { allowances: [{ bucketId: '', units: 1024 }] }, 'allowances.0.bucketId'],
    ['amountMicros as number', { amountMicros: 2000 }, 'amountMicros'],
    ['amountMicros leading zero', { amountMicros: '02000' }, 'amountMicros'],
    ['amountMicros beyond int64', { amountMicros: '9223372036854775808' }, 'amountMicros'],
    ['negative debit', { amountMicros: '-1' }, 'amountMicros'],
    ['currency', { currency: 'eur' }, 'currency'],
    ['balanceAfterMicros', { balanceAfterMicros: '1e6' }, 'balanceAfterMicros'],
    ['tariffId', { tariffId: 'a b' }, 'tariffId'],
    ['cycleId', { cycleId: '2026/11' }, 'cycleId'],
    ['reason', { reason: 'terminated' }, 'reason'],
    ['occurredAtMs', { occurredAtMs: 1.5 }, 'occurredAtMs'],
    ['release without reason', { type: 'RELEASE', amountMicros: '0' }, 'reason'],
    ['expiry with money', { type: 'EXPIRY', amountMicros: '5', reason: 'VALIDITY_EXPIRED' }, 'amountMicros'],
    ['positive refund', { type: 'REFUND', amountMicros: '5' }, 'amountMicros'],
    ['positive top-up', { type: 'TOPUP', amountMicros: '5' }, 'amountMicros'],
    ['allowance above billable', { billableUnits: 10 }, 'allowanceUnits'],
    ['shortfallMicros', { shortfallMicros: 'x' }, 'shortfallMicros'],
    ['cycleUnits negative', { type: 'REFUND', amountMicros: '-2000', cycleUnits: -1 }, 'cycleUnits'],
    ['cycleUnits fraction', { type: 'REFUND', amountMicros: '-2000', cycleUnits: 1.5 }, 'cycleUnits'],
    ['cycleUnits as string', { type: 'REFUND', amountMicros: '-2000', cycleUnits: '1024' }, 'cycleUnits'],
    ['cycleUnits beyond 2^53 - 1', { type: 'REFUND', amountMicros: '-2000', cycleUnits: 2 ** 53 }, 'cycleUnits'],
  ])('rejects bad %s', (_name, patch, path) => {
    const r = validateRatedEvent({ ...debit, ...patch });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.path)).toContain(path);
  });

  it.each(Object.keys(debit))('rejects a missing %s', (field) => {
    const e: Record<string, unknown> = { ...debit };
    delete e[field];
    expect(validateRatedEvent(e).ok).toBe(false);
  });

  it('keeps cycleUnits of a REFUND', () => {
    expect(parseRatedEvent({ ...debit, type: 'REFUND', amountMicros: '-2000', cycleUnits: 1024 }).cycleUnits).toBe(1024);
    expect(parseRatedEvent(debit).cycleUnits).toBeUndefined();
  });

  it('throws an EventValidationError naming the field', () => {
    expect(() => parseRatedEvent({ ...debit, currency: 'euro' })).toThrow(EventValidationError);
    expect(() => parseRatedEvent({ ...debit, currency: 'euro' })).toThrow(/currency/);
  });
});

describe('ratel.notification.v1', () => {
  it('accepts LOW_BALANCE and BALANCE_EXHAUSTED', () => {
    expect(parseNotification(low).type).toBe('LOW_BALANCE');
    const ex = { ...low, type: 'BALANCE_EXHAUSTED', thresholdMicros: '0', availableAfterMicros: '0' };
    expect(validateNotification(ex).ok).toBe(true);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['schema', { schema: 'ratel.rated.v1' }, 'schema'],
    ['eventId', { eventId: 'x' }, 'eventId'],
    ['type', { type: 'HIGH_BALANCE' }, 'type'],
    ['accountId', { accountId: '' }, 'accountId'],
    ['thresholdMicros', { thresholdMicros: 5 }, 'thresholdMicros'],
    ['balanceAfterMicros', { balanceAfterMicros: '-0' }, 'balanceAfterMicros'],
    ['availableAfterMicros', { availableAfterMicros: '1.5' }, 'availableAfterMicros'],
    ['currency', { currency: 'EURO' }, 'currency'],
    ['occurredAtMs', { occurredAtMs: -1 }, 'occurredAtMs'],
    ['exhausted with threshold', { type: 'BALANCE_EXHAUSTED', thresholdMicros: '5' }, 'thresholdMicros'],
  ])('rejects bad %s', (_name, patch, path) => {
    const r = validateNotification({ ...low, ...patch });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.path)).toContain(path);
  });

  it.each(Object.keys(low))('rejects a missing %s', (field) => {
    const n: Record<string, unknown> = { ...low };
    delete n[field];
    expect(validateNotification(n).ok).toBe(false);
  });
});

describe('subjects', () => {
  it('names per-account subjects and the duplicate window', () => {
    expect(ratedSubject('acct-1')).toBe('ratel.rated.v1.acct-1');
    expect(notifySubject('acct-1')).toBe('ratel.notify.v1.acct-1');
    expect(RATED_SUBJECTS).toBe('ratel.rated.v1.>');
    expect(DUPLICATE_WINDOW_MS).toBe(600_000);
    expect(() => ratedSubject('a.>')).toThrow(RangeError);
  });

  it('parses outbox data by its schema', () => {
    expect(parseOutboxData(JSON.stringify(debit)).schema).toBe('ratel.rated.v1');
    expect(parseOutboxData(JSON.stringify(low)).schema).toBe('ratel.notification.v1');
  });
});
