import { COMBINED_STATEMENT_PARTS_MAX, preparedOnce, statementsAsOne } from './pg-statements';

describe('statementsAsOne', () => {
  it('renumbers each part after the parameters of the parts before it', () => {
    const q = statementsAsOne(
      [
        { name: 'a', q: { text: 'insert into t (x, y) select * from unnest($1::int[], $2::text[]) returning x', values: [[1], ['p']] } },
        { name: 'b', q: { text: 'update u set z = $2 where id = $1 returning id', values: ['id-1', 7] } },
      ],
      'select (select count(*) from a) as a, (select count(*) from b) as b',
    );
    expect(q.text).toBe(
      'with a as (insert into t (x, y) select * from unnest($1::int[], $2::text[]) returning x),\n' +
        'b as (update u set z = $4 where id = $3 returning id)\n' +
        'select (select count(*) from a) as a, (select count(*) from b) as b',
    );
    expect(q.values).toEqual([[1], ['p'], 'id-1', 7]);
  });

  it.each([
    ['no parts', [], /1-16 parts/],
    [
      'too many parts',
      Array.from({ length: COMBINED_STATEMENT_PARTS_MAX + 1 }, (_, i) => ({ name: `p${i}`, q: { text: 'select 1' } })),
      /not 17/,
    ],
    ['a name that is not an identifier', [{ name: 'a; drop', q: { text: 'select 1' } }], /not a plain identifier/],
    ["a placeholder beyond the part's parameters", [{ name: 'a', q: { text: 'select $2', values: [1] } }], /\$2 beyond its 1 parameters/],
    ['a dollar sign that is not a placeholder', [{ name: 'a', q: { text: 'select $$x$$', values: [] } }], /\$ beyond its 0 parameters/],
  ])('refuses %s', (_, parts, message) => {
    expect(() => statementsAsOne(parts, 'select 1')).toThrow(message);
  });
});

describe('preparedOnce', () => {
  it('names a statement by its text: one name for one text whatever its values, another for another text', () => {
    const a = preparedOnce({ text: 'select $1::int', values: [1] });
    const again = preparedOnce({ text: 'select $1::int', values: [2] });
    const other = preparedOnce({ text: 'select $1::bigint', values: [1] });
    expect(a).toEqual({ name: expect.stringMatching(/^s_[0-9a-f]{20}$/), text: 'select $1::int', values: [1] });
    expect(again.name).toBe(a.name);
    expect(again.values).toEqual([2]);
    expect(other.name).not.toBe(a.name);
  });
});
