import { canonicalJson, requestHash } from './request-hash';

describe('requestHash', () => {
  it('does not depend on key order and leaves undefined out', () => {
    expect(canonicalJson({ b: 1, a: [2n, 'x'], c: undefined })).toBe('{"a":["2","x"],"b":1}');
    expect(requestHash('DebitEvent', { a: 1, b: { c: 2 } })).toBe(requestHash('DebitEvent', { b: { c: 2 }, a: 1 }));
  });

  it('differs by RPC and by content', () => {
    const h = requestHash('DebitEvent', { a: 1 });
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(requestHash('CheckBalance', { a: 1 })).not.toBe(h);
    expect(requestHash('DebitEvent', { a: 2 })).not.toBe(h);
  });
});
