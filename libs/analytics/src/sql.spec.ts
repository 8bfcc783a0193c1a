import {
  dateFromEpochMs,
  dateTimeFromEpochMs,
  enumValue,
  EPOCH_MAX_MS,
  formatDate,
  formatDateTime,
  ident,
  int64,
  list,
  qualified,
  Sql,
  sql,
  SqlValueError,
  str,
  uint32,
  uint64,
} from './sql';

describe('sql escaping and validation', () => {
  describe('identifiers', () => {
    it.each([
      ['rated_events', '`rated_events`'],
      ['_x', '`_x`'],
      ['A1', '`A1`'],
      ['a'.repeat(64), `\`${'a'.repeat(64)}\``],
    ])('accepts %j', (name, text) => expect(ident(name).text).toBe(text));

    it.each([
      [''],
      ['1abc'],
      ['a'.repeat(65)],
      ['rated events'],
      ['a`b'],
      ['a.b'],
      ['a;DROP TABLE x'],
      ['naïve'],
      ['a\0b'],
      ['a-b'],
      ["a'b"],
    ])('rejects %j', (name) => {
      expect(() => ident(name)).toThrow(SqlValueError);
      expect(() => ident(name)).toThrow(/not an identifier/);
    });

    it('qualifies database and table', () => expect(qualified('db1', 't').text).toBe('`db1`.`t`'));
    it('rejects a non-string', () => expect(() => ident(42 as unknown as string)).toThrow(SqlValueError));
  });

  describe('string literals', () => {
    it.each([
      ['plain', "'plain'"],
      ['', "''"],
      ["O'Brien", "'O\\'Brien'"],
      ['back\\slash', "'back\\\\slash'"],
      ["\\'", "'\\\\\\''"],
      ["'; DROP TABLE rated_events; --", "'\\'; DROP TABLE rated_events; --'"],
      ['line\nbreak\r\ttab', "'line\\nbreak\\r\\ttab'"],
      ['bell\x07del\x7f', "'bell\\x07del\\x7f'"],
      ['€ and 😀', "'€ and 😀'"],
      ['`backtick` "double"', '\'`backtick` "double"\''],
    ])('escapes %j', (value, text) => expect(str(value).text).toBe(text));

    it.each([
      ['NUL', 'a\0b', /NUL/],
      ['lone high surrogate', 'a\uD800b', /UTF-8/],
      ['lone low surrogate', '\uDC00', /UTF-8/],
      ['reversed pair', '\uDC00\uD800', /UTF-8/],
      ['too long', 'x'.repeat(64 * 1024 + 1), /longer/],
    ])('rejects %s', (_label, value, message) => {
      expect(() => str(value)).toThrow(SqlValueError);
      expect(() => str(value)).toThrow(message);
    });

    it('rejects a non-string', () => expect(() => str(undefined as unknown as string)).toThrow(SqlValueError));
  });

  describe('integers', () => {
    it.each([
      [int64, 0, '0'],
      [int64, -1, '-1'],
      [int64, -(2n ** 63n), '-9223372036854775808'],
      [int64, 2n ** 63n - 1n, '9223372036854775807'],
      [uint64, 2n ** 64n - 1n, '18446744073709551615'],
      [uint64, Number.MAX_SAFE_INTEGER, '9007199254740991'],
      [uint32, 4294967295, '4294967295'],
    ] as const)('%p(%p) -> %s', (fn, v, text) => expect(fn(v).text).toBe(text));

    it.each([
      ['Int64 overflow', () => int64(2n ** 63n)],
      ['Int64 underflow', () => int64(-(2n ** 63n) - 1n)],
      ['UInt64 negative', () => uint64(-1)],
      ['UInt64 overflow', () => uint64(2n ** 64n)],
      ['UInt32 overflow', () => uint32(2 ** 32)],
      ['unsafe number', () => int64(2 ** 53)],
      ['fraction', () => int64(1.5)],
      ['NaN', () => int64(NaN)],
      ['Infinity', () => uint64(Infinity)],
      ['string', () => int64('1; DROP' as unknown as number)],
    ])('rejects %s', (_label, f) => expect(f).toThrow(SqlValueError));
  });

  describe('dates from epoch ms', () => {
    it.each([
      [0, '1970-01-01', '1970-01-01 00:00:00'],
      [Date.UTC(2026, 10, 21, 23, 59, 59, 999), '2026-11-21', '2026-11-21 23:59:59'],
      [Date.UTC(2024, 1, 29, 12, 0, 0, 1), '2024-02-29', '2024-02-29 12:00:00'],
      [EPOCH_MAX_MS, '2105-12-31', '2105-12-31 23:59:59'],
    ])('%p -> %s / %s', (ms, day, time) => {
      expect(formatDate(ms)).toBe(day);
      expect(formatDateTime(ms)).toBe(time);
      expect(dateFromEpochMs(ms).text).toBe(`toDate('${day}')`);
      expect(dateTimeFromEpochMs(ms).text).toBe(`toDateTime('${time}', 'UTC')`);
    });

    it.each([[-1], [EPOCH_MAX_MS + 1], [1.5], [NaN], [Number.MAX_SAFE_INTEGER]])('rejects %p', (ms) => {
      expect(() => dateFromEpochMs(ms)).toThrow(SqlValueError);
      expect(() => formatDateTime(ms)).toThrow(/epoch ms/);
    });
  });

  describe('enums', () => {
    const types = ['DEBIT', 'REFUND'] as const;
    it('accepts an allowed value', () => expect(enumValue('DEBIT', types).text).toBe("'DEBIT'"));
    it.each([['debit'], ['TOPUP'], [''], ["DEBIT' OR 1=1 --"]])('rejects %j', (v) => {
      expect(() => enumValue(v as 'DEBIT', types)).toThrow(SqlValueError);
      expect(() => enumValue(v as 'DEBIT', types)).toThrow(/not one of/);
    });
  });

  describe('the sql tag and lists', () => {
    it('joins fragments', () => {
      const q = sql`SELECT 1 FROM ${qualified('d', 't')} WHERE a IN (${list([str('x'), str("y'")])}) AND n = ${int64(-5)}`;
      expect(q.text).toBe("SELECT 1 FROM `d`.`t` WHERE a IN ('x', 'y\\'') AND n = -5");
      expect(q).toBeInstanceOf(Sql);
    });

    it('refuses raw values', () => {
      const raw = "x' OR 1=1" as unknown as Sql;
      expect(() => sql`SELECT ${raw}`).toThrow(TypeError);
      expect(() => list([raw])).toThrow(TypeError);
    });

    it('refuses minted fragments from outside', () => {
      const Ctor = Sql as unknown as new (token: symbol, text: string) => Sql;
      expect(() => new Ctor(Symbol('Sql.mint'), 'DROP TABLE x')).toThrow(TypeError);
    });

    it('refuses empty and oversized lists', () => {
      expect(() => list([])).toThrow(/empty/);
      expect(() => list(Array.from({ length: 10_001 }, () => str('a')))).toThrow(SqlValueError);
    });
  });
});
