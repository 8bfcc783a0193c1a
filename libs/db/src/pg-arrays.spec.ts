import { pgArray } from './pg-arrays';

describe('pgArray', () => {
  it.each([
    [[], '{}'],
    [['a'], '{"a"}'],
    [['pay-1', 'pay-2'], '{"pay-1","pay-2"}'],
    [[1n, 2, '3'], '{"1","2","3"}'],
    [['a', null, undefined], '{"a",NULL,NULL}'],
    [['NULL'], '{"NULL"}'],
    [['say "hi"', 'back\\slash'], '{"say \\"hi\\"","back\\\\slash"}'],
    [['a,b', '{c}', ''], '{"a,b","{c}",""}'],
  ])('%j -> %s', (values, text) => {
    expect(pgArray(values)).toBe(text);
  });
});
