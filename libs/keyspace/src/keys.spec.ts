import { BalanceKeys, fnv1a32, parseExpiryMember, slotBucket } from './keys';

describe('fnv1a32', () => {
  // Reference vectors of FNV-1a 32 (Fowler/Noll/Vo test suite, draft-eastlake-fnv).
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['b', 0xe70c2de5],
    ['foobar', 0xbf9cf968],
    ['chongo was here!\n', 0xd49930d5],
  ])('hashes %j', (text, hash) => {
    expect(fnv1a32(text)).toBe(hash);
  });

  it('hashes the UTF-8 bytes, not UTF-16 code units', () => {
    // "é" is C3 A9 in UTF-8: two rounds of FNV-1a.
    let h = 0x811c9dc5;
    for (const b of [0xc3, 0xa9]) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    expect(fnv1a32('é')).toBe(h);
  });
});

describe('slotBucket and keys', () => {
  it('is fnv1a32 mod 256', () => {
    expect(slotBucket('foobar')).toBe(0xbf9cf968 % 256);
    expect(slotBucket('a')).toBe(0x2c);
  });

  it('tags every account key with the bucket', () => {
    const k = new BalanceKeys('p:').account('a');
    expect(k.acct).toBe('p:{b:44}:acct:a');
    expect(k.session('s1')).toBe('p:{b:44}:sess:a:s1');
    expect(k.idem('r1')).toBe('p:{b:44}:idem:a:r1');
    expect(k.rexp).toBe('p:{b:44}:rexp');
    expect(k.outbox).toBe('p:{b:44}:outbox');
  });

  it('parses expiry members', () => {
    expect(parseExpiryMember('a|s:1|10')).toEqual({ accountId: 'a', sessionId: 's:1', ratingGroup: 10 });
    expect(parseExpiryMember('a|s')).toBeUndefined();
  });
});
