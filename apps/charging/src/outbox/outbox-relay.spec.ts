import { BucketBackoff } from './bucket-backoff';
import { parsePubAck } from '@app/events';
import { fnv1a32, outboxKey, slotBucketOf } from './outbox-names';
import { extensionCount, isPublishSubject, perStreamCount, toEntry } from './outbox-reader';
import { assertRelayLimits, DEFAULT_RELAY_LIMITS, retryDelayMs } from './relay-limits';
import { entryIdMs } from './relay-metrics';
import { streamNamesFor } from './streams';

const enc = (s: string) => Buffer.from(s, 'utf8');

describe('outbox relay, pure parts', () => {
  it('hashes accounts to slot buckets with FNV-1a 32', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
    expect(slotBucketOf('foobar')).toBe(0xbf9cf968 % 256);
    expect(outboxKey('ratel:', 7)).toBe('ratel:{b:7}:outbox');
  });

  it('backs off exponentially up to the cap, never for no failure', () => {
    expect([0, 1, 2, 3, 4, 7, 60].map((n) => retryDelayMs(n, 100, 5_000))).toEqual([0, 100, 200, 400, 800, 5_000, 5_000]);
  });

  it('rejects limits that make no sense', () => {
    expect(() => assertRelayLimits(DEFAULT_RELAY_LIMITS)).not.toThrow();
    expect(() => assertRelayLimits({ ...DEFAULT_RELAY_LIMITS, batchMax: 0 })).toThrow(/batchMax/);
    expect(() => assertRelayLimits({ ...DEFAULT_RELAY_LIMITS, inflightMax: 10, batchMax: 5 })).toThrow(/inflightMax/);
    expect(() => assertRelayLimits({ ...DEFAULT_RELAY_LIMITS, ackTimeoutMs: 1.5 })).toThrow(/ackTimeoutMs/);
  });

  it('shares the read budget over buckets and gives what is left to the full ones', () => {
    expect(perStreamCount(4096, 256)).toBe(16);
    expect(perStreamCount(4096, 3)).toBe(1365);
    expect(perStreamCount(100, 256)).toBe(1);
    expect(perStreamCount(100, 0)).toBe(100);
    expect(extensionCount(4096 - 16, 1)).toBe(4080);
    expect(extensionCount(10, 20)).toBe(0);
    expect(extensionCount(100, 0)).toBe(0);
    expect(extensionCount(-5, 3)).toBe(0);
  });

  it('accepts only subjects JetStream can store under', () => {
    expect(isPublishSubject('ratel.rated.v1.acct-1')).toBe(true);
    for (const bad of ['', 'a..b', '.a', 'a.', 'a.*', 'a.>', 'a b', 'a\r\nPUB x']) expect(isPublishSubject(bad)).toBe(false);
  });

  it('reads a contract entry and names what is wrong with a broken one', () => {
    const ok = toEntry('k', 3, '1-0', ['id', 'e1', 'subject', 'ratel.rated.v1.a', 'data', '{"x":1}']);
    expect(ok).toEqual({
      key: 'k',
      bucket: 3,
      streamId: '1-0',
      message: { eventId: 'e1', subject: 'ratel.rated.v1.a', data: enc('{"x":1}') },
    });
    expect(toEntry('k', 3, '1-0', ['subject', 's.a', 'data', '{}']).malformed).toBe('missing field id');
    expect(toEntry('k', 3, '1-0', ['id', 'e', 'data', '{}']).malformed).toBe('missing field subject');
    expect(toEntry('k', 3, '1-0', ['id', 'e', 'subject', 'a.>', 'data', '{}']).malformed).toMatch(/bad subject/);
    expect(toEntry('k', 3, '1-0', ['id', 'e', 'subject', 's.a']).malformed).toBe('missing field data or r1');
    expect(toEntry('k', 3, '1-0', ['id', 'e', 'subject', 's.a', 'r1', 'DEBIT|a|b']).malformed).toBe('r1 has 3 values, expected 24');
  });

  it('counts a duplicate PubAck as acknowledged and everything else without stream/seq as failed', () => {
    expect(parsePubAck(enc('{"stream":"S","seq":4}'), undefined)).toEqual({ ok: true, duplicate: false });
    expect(parsePubAck(enc('{"stream":"S","seq":4,"duplicate":true}'), undefined)).toEqual({ ok: true, duplicate: true });
    expect(parsePubAck(new Uint8Array(), 503)).toMatchObject({ ok: false, error: expect.stringMatching(/no responders/) });
    expect(parsePubAck(enc('{"error":{"code":503,"err_code":10077,"description":"maximum messages exceeded"}}'), undefined)).toEqual({
      ok: false,
      error: 'jetstream error 10077: maximum messages exceeded',
    });
    expect(parsePubAck(enc('not json'), undefined).ok).toBe(false);
    expect(parsePubAck(enc('{"stream":""}'), undefined).ok).toBe(false);
  });

  it('keeps a failing bucket out of reads until its delay passed, and forgets on success', () => {
    const b = new BucketBackoff(4, 100, 1_000);
    expect(b.readable(0)).toEqual([0, 1, 2, 3]);
    expect(b.nextReadyInMs(0)).toBe(Infinity);
    expect(b.failed(2, 1_000)).toBe(100);
    expect(b.failed(2, 1_000)).toBe(200);
    expect(b.readable(1_100)).toEqual([0, 1, 3]);
    expect(b.nextReadyInMs(1_100)).toBe(100);
    expect(b.readable(1_200)).toEqual([0, 1, 2, 3]);
    b.succeeded(2);
    expect(b.failuresOf(2)).toBe(0);
    expect(b.failed(2, 0)).toBe(100);
  });

  it('takes the time of an entry from its stream ID', () => {
    expect(entryIdMs('1795000000123-7')).toBe(1_795_000_000_123);
    expect(() => entryIdMs('x-1')).toThrow();
  });

  it('names test streams apart from production ones', () => {
    expect(streamNamesFor()).toEqual({
      rated: { name: 'RATEL_RATED', subjectRoot: 'ratel.rated.v1' },
      notify: { name: 'RATEL_NOTIFY', subjectRoot: 'ratel.notify.v1' },
    });
    expect(streamNamesFor('t1').rated).toEqual({ name: 't1_RATEL_RATED', subjectRoot: 't1.ratel.rated.v1' });
    expect(() => streamNamesFor('a.b')).toThrow();
  });
});
