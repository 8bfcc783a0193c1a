import { ratedEventSchema } from '@app/events';
import { cjsonString, RATED_COMPACT_FIELDS, ratedJsonOf, readOutboxFields } from './outbox-entry';

function compact(over: Partial<Record<(typeof RATED_COMPACT_FIELDS)[number], string>>): string {
  const base: Record<string, string> = {
    type: 'DEBIT',
    accountId: 'acct-1',
    subscriberId: '4915112345678',
    sessionId: 'pgw1;1;2',
    requestId: '',
    requestNumber: '3',
    ratingGroup: '10',
    serviceId: '1',
    unit: 'BYTES',
    usedUnits: '170',
    billableUnits: '150',
    allowanceUnits: '105',
    allowances: '{"bucketId":"month","units":100},{"bucketId":"b2","units":5}',
    amountMicros: '9007199254740991',
    currency: 'EUR',
    balanceAfterMicros: '-5',
    tariffId: 'plan:1:data',
    cycleId: '2026-11',
    cycleUnits: '',
    occurredAtMs: '1790000000000',
    overageUnits: '20',
    reason: '',
    releasedMicros: '',
    shortfallMicros: '7',
  };
  return RATED_COMPACT_FIELDS.map((f) => over[f] ?? base[f]).join('|');
}

describe('outbox entry', () => {
  it('escapes strings as Redis cjson does: quote, backslash, slash, control characters and DEL', () => {
    expect(cjsonString('plain-id_1.2:3')).toBe('"plain-id_1.2:3"');
    expect(cjsonString('a"b\\c/d')).toBe('"a\\"b\\\\c\\/d"');
    expect(cjsonString('\b\t\n\f\r')).toBe('"\\b\\t\\n\\f\\r"');
    expect(cjsonString('\x00\x0b\x1f\x7f')).toBe('"\\u0000\\u000b\\u001f\\u007f"');
    expect(cjsonString('é€')).toBe('"é€"');
  });

  it('expands a compact rated event into the v1 JSON with sorted keys, leaving out absent optional fields', () => {
    const r = ratedJsonOf('a'.repeat(40), compact({}));
    if (!('json' in r)) throw new Error(r.malformed);
    const parsed = JSON.parse(r.json);
    expect(Object.keys(parsed)).toEqual([...Object.keys(parsed)].sort());
    expect(ratedEventSchema.parse(parsed)).toMatchObject({ overageUnits: 20, shortfallMicros: '7', amountMicros: '9007199254740991' });
    expect(parsed).not.toHaveProperty('reason');
    expect(parsed).not.toHaveProperty('cycleUnits');
    expect(r.json).toContain('"allowances":[{"bucketId":"month","units":100},{"bucketId":"b2","units":5}]');

    const release = ratedJsonOf(
      'b'.repeat(40),
      compact({ type: 'RELEASE', reason: 'TERMINATED', releasedMicros: '12', allowances: '', allowanceUnits: '0' }),
    );
    if (!('json' in release)) throw new Error(release.malformed);
    expect(release.json).toContain('"allowances":[],');
    expect(release.json).toContain('"reason":"TERMINATED","releasedMicros":"12","requestId":""');
  });

  it('names a compact event with a wrong number of values (a | inside a value) and entries without an event', () => {
    expect(ratedJsonOf('e', `${compact({})}|x`)).toEqual({ malformed: 'r1 has 25 values, expected 24' });
    expect(readOutboxFields(['id', 'e', 'subject', 's'])).toEqual({ malformed: 'missing field data or r1' });
    expect(readOutboxFields(['subject', 's', 'data', '{}'])).toEqual({ malformed: 'missing field id' });
    expect(readOutboxFields(['id', 'e', 'subject', 's', 'data', '{"x":1}'])).toEqual({ eventId: 'e', subject: 's', json: '{"x":1}' });
  });
});
