import { Pool } from 'pg';
import { createTestDatabase } from '@app/devstack';
import { pgArray, type PgArrayElement } from './pg-arrays';

/** pgArray's text, parsed by PostgreSQL, against the same array sent by node-postgres itself. */
describe('pgArray against PostgreSQL', () => {
  let pool: Pool;

  beforeAll(async () => {
    pool = new Pool({ connectionString: await createTestDatabase('pgarrays'), max: 1 });
  });
  afterAll(async () => pool?.end());

  const roundTrip = async (values: readonly PgArrayElement[], type: string) => {
    const { rows } = await pool.query<{ ours: unknown[]; theirs: unknown[]; same: boolean; n: number }>(
      `select $1::${type}[] as ours, $2::${type}[] as theirs, $1::${type}[] is not distinct from $2::${type}[] as same,
         cardinality($1::${type}[]) as n`,
      [pgArray(values), values.map((v) => (typeof v === 'bigint' ? v.toString() : v))],
    );
    return rows[0];
  };

  it.each<[string, PgArrayElement[]]>([
    ['plain ids', ['pay-1', 'pay-2', 'doc-3']],
    ['quotes and backslashes', ['say "hi"', 'C:\\dir\\', '\\"', '"', '\\']],
    ['separators and braces', ['a,b', '{x}', '{', '}', 'a b', ' lead', 'trail ', '']],
    ['NULL: the value and the word', [null, 'NULL', 'null', undefined, 'x']],
    ['unicode and control characters', ['Zürich €', '行', 'tab\there', 'line\nbreak', "it's"]],
    ['one element', ['only']],
    ['none', []],
  ])('text[]: %s', async (_, values) => {
    const r = await roundTrip(values, 'text');
    expect(r.same).toBe(true);
    expect(r.n ?? 0).toBe(values.length);
    expect(r.ours).toEqual(values.map((v) => v ?? null));
  });

  it('bigint[] of bigints, numbers and decimal strings, with NULL', async () => {
    const values: PgArrayElement[] = [0n, -1n, 9_223_372_036_854_775_807n, 42, '-17', null];
    const r = await roundTrip(values, 'bigint');
    expect(r.same).toBe(true);
    expect(r.ours).toEqual(['0', '-1', '9223372036854775807', '42', '-17', null]);
  });

  it('date[] and smallint[]', async () => {
    expect((await roundTrip(['2026-12-05', '2024-02-29', null], 'date')).same).toBe(true);
    expect((await roundTrip([1, 2, 32767], 'smallint')).same).toBe(true);
  });

  it('an element PostgreSQL refuses for the type fails the statement, as with node-postgres', async () => {
    await expect(pool.query(`select $1::bigint[]`, [pgArray(['12', 'x'])])).rejects.toThrow(/invalid input syntax for type bigint/);
  });
});
