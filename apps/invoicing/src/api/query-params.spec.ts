import { InvoicingError } from './invoicing-error';
import { parseAccountId, parseInstant, QueryReader, readInt, readPeriod, readTypes, readUint32 } from './query-params';

function parameterOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof InvoicingError) return e.details.parameter;
    throw e;
  }
  return undefined;
}

describe('query parameters', () => {
  it.each([
    ['2026-11-01', Date.UTC(2026, 10, 1)],
    ['2026-11-01T10:20Z', Date.UTC(2026, 10, 1, 10, 20)],
    ['2026-11-01T10:20:30.5Z', Date.UTC(2026, 10, 1, 10, 20, 30, 500)],
    ['2026-11-01T01:00:00+02:00', Date.UTC(2026, 9, 31, 23)],
    ['2026-11-01T00:00:00-05:30', Date.UTC(2026, 10, 1, 5, 30)],
    ['1970-01-01', 0],
  ])('reads the instant %s', (text, ms) => {
    expect(parseInstant('from', text)).toBe(ms);
  });

  it.each([
    '2026-02-30',
    '2026-13-01',
    '2026-11-01T24:00Z',
    '2026-11-01T10:61Z',
    '2026-11-01T10:00',
    '2026-11-01T10:00:00+25:00',
    '26-11-01',
    '2026-11-01 ',
    '1969-12-31',
    '2106-01-01',
    "2026-11-01' OR 1=1",
    '1790000000000',
    '',
  ])('refuses the instant %p', (text) => {
    expect(parameterOf(() => parseInstant('from', text))).toBe('from');
  });

  it('reads a period and names the bad end', () => {
    expect(readPeriod(new QueryReader({ from: '2026-11-01', to: '2026-12-01' }), 31)).toEqual({
      fromMs: Date.UTC(2026, 10, 1),
      toMs: Date.UTC(2026, 11, 1),
    });
    expect(parameterOf(() => readPeriod(new QueryReader({ to: '2026-12-01' }), 31))).toBe('from');
    expect(parameterOf(() => readPeriod(new QueryReader({ from: '2026-11-01' }), 31))).toBe('to');
    expect(parameterOf(() => readPeriod(new QueryReader({ from: '2026-11-01', to: '2026-11-01' }), 31))).toBe('to');
    expect(parameterOf(() => readPeriod(new QueryReader({ from: '2026-11-01', to: '2026-12-02' }), 30))).toBe('to');
  });

  it('refuses repeated, non-string, over-long and unknown parameters', () => {
    expect(parameterOf(() => new QueryReader({ from: ['a', 'b'] }).optional('from'))).toBe('from');
    expect(parameterOf(() => new QueryReader({ from: { a: 1 } }).optional('from'))).toBe('from');
    expect(parameterOf(() => new QueryReader({ from: 'x'.repeat(600) }).optional('from'))).toBe('from');
    const q = new QueryReader({ from: 'a', ratingGroups: '1' });
    q.optional('from');
    // Named as sent, not JSON-quoted (regression: the field was '"ratingGroups"').
    expect(parameterOf(() => q.finish())).toBe('ratingGroups');
    const odd = new QueryReader({ 'se"rv\nice': '1' });
    expect(parameterOf(() => odd.finish())).toBe('se?rv?ice');
    expect(parameterOf(() => new QueryReader({ ['x'.repeat(100)]: '1' }).finish())).toBe('x'.repeat(64));
  });

  it('reads integers and types, naming the parameter on failure', () => {
    expect(readUint32(new QueryReader({ serviceId: '4294967295' }), 'serviceId')).toBe(4294967295);
    for (const bad of ['-1', '4294967296', '1.5', '01', '1e3', ' 1', 'abc']) {
      expect(parameterOf(() => readUint32(new QueryReader({ serviceId: bad }), 'serviceId'))).toBe('serviceId');
    }
    expect(readInt(new QueryReader({}), 'limit', 1, 10, 5)).toBe(5);
    expect(parameterOf(() => readInt(new QueryReader({ limit: '0' }), 'limit', 1, 10, 5))).toBe('limit');
    expect(parameterOf(() => readInt(new QueryReader({ limit: '11' }), 'limit', 1, 10, 5))).toBe('limit');
    expect(readTypes(new QueryReader({ type: 'TOPUP,DEBIT' }), ['DEBIT'])).toEqual(['TOPUP', 'DEBIT']);
    for (const bad of ['debit', 'DEBIT,', 'DEBIT,DEBIT', 'CREDIT']) {
      expect(parameterOf(() => readTypes(new QueryReader({ type: bad }), ['DEBIT']))).toBe('type');
    }
  });

  it('checks account ids against the subject-token pattern', () => {
    expect(parseAccountId('acc_1-A')).toBe('acc_1-A');
    for (const bad of ['', 'a.b', 'a b', "a'b", 'é', 'a'.repeat(65), '>']) expect(parameterOf(() => parseAccountId(bad))).toBe('accountId');
  });
});
