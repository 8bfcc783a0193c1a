import { stringifyJson } from './json-each-row';

describe('stringifyJson', () => {
  it('writes bigints as bare integers, everything else as JSON', () => {
    const row = {
      a: 9223372036854775807n,
      b: -9223372036854775808n,
      s: 'x"\\\n',
      n: 3,
      arr: [1n, 2n],
      o: { z: null, t: true },
      skip: undefined,
    };
    const text = stringifyJson(row);
    expect(text).toBe('{"a":9223372036854775807,"b":-9223372036854775808,"s":"x\\"\\\\\\n","n":3,"arr":[1,2],"o":{"z":null,"t":true}}');
  });

  it.each([[NaN], [Infinity], [() => 1], [Symbol('s')]])('refuses %p', (v) => {
    expect(() => stringifyJson({ v })).toThrow();
  });
});
