/**
 * The record claims on a real Redis: one owner per record whatever the concurrency, the owner's
 * own re-run is not a duplicate, the window is the key's TTL, and a claim outlives the client
 * that made it (a process restart).
 */
import { deleteKeys, requireEnv, uniqueId } from '@app/devstack';
import { createRedis } from '@app/keyspace';
import { RedisRecordClaims } from './record-claims';

const FILE_A = 'a'.repeat(32);
const FILE_B = 'b'.repeat(32);
const WINDOW_MS = 60_000;

describe('RedisRecordClaims', () => {
  const redis = createRedis(requireEnv('REDIS_URL'));
  const other = createRedis(requireEnv('REDIS_URL'));
  const prefix = `${uniqueId('claims')}:`;
  afterAll(async () => {
    await deleteKeys(redis, `${prefix}*`);
    await redis.quit();
    await other.quit();
  });

  it('gives each record to exactly one of two files claiming it at the same time', async () => {
    const ids = Array.from({ length: 200 }, (_, i) => `${String(i).padStart(4, '0')}${'e'.repeat(36)}`);
    const a = new RedisRecordClaims(redis, prefix, WINDOW_MS);
    const b = new RedisRecordClaims(other, prefix, WINDOW_MS);
    const [ra, rb] = await Promise.all([
      a.claim(ids.map((eventId, i) => ({ eventId, fileId: FILE_A, lineNumber: i + 2 }))),
      b.claim([...ids].reverse().map((eventId, i) => ({ eventId, fileId: FILE_B, lineNumber: i + 2 }))),
    ]);
    const ownedByA = ra.filter((x) => x === undefined).length;
    const ownedByB = rb.filter((x) => x === undefined).length;
    expect(ownedByA + ownedByB).toBe(ids.length);
    ra.forEach((first) => expect(first === undefined || first.fileId === FILE_B).toBe(true));
    if (ownedByB < ids.length) expect(rb.find((x) => x !== undefined)).toMatchObject({ fileId: FILE_A });
  });

  it('lets the owning file and line claim again (a re-run), names the first file and line to others, and expires', async () => {
    const eventId = 'f'.repeat(40);
    const claims = new RedisRecordClaims(redis, prefix, WINDOW_MS);
    expect(await claims.claim([{ eventId, fileId: FILE_A, lineNumber: 7 }])).toEqual([undefined]);
    // Another client, as after a restart of the process.
    const restarted = new RedisRecordClaims(other, prefix, WINDOW_MS);
    expect(await restarted.claim([{ eventId, fileId: FILE_A, lineNumber: 7 }])).toEqual([undefined]);
    expect(await restarted.claim([{ eventId, fileId: FILE_B, lineNumber: 3 }])).toEqual([{ fileId: FILE_A, lineNumber: 7 }]);
    expect(await restarted.claim([{ eventId, fileId: FILE_A, lineNumber: 8 }])).toEqual([{ fileId: FILE_A, lineNumber: 7 }]);
    const ttl = await redis.pttl(claims.key(eventId));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(WINDOW_MS);
    expect(() => new RedisRecordClaims(redis, prefix, 0)).toThrow(RangeError);
  });

  it('releases only the claims a file still holds, so another file can rate those records', async () => {
    const [mine, theirs] = ['1'.repeat(40), '2'.repeat(40)];
    const claims = new RedisRecordClaims(redis, prefix, WINDOW_MS);
    await claims.claim([{ eventId: theirs, fileId: FILE_B, lineNumber: 2 }]);
    expect(
      await claims.claim([
        { eventId: mine, fileId: FILE_A, lineNumber: 2 },
        { eventId: theirs, fileId: FILE_A, lineNumber: 3 },
      ]),
    ).toEqual([undefined, { fileId: FILE_B, lineNumber: 2 }]);
    await claims.release([
      { eventId: mine, fileId: FILE_A, lineNumber: 2 },
      { eventId: theirs, fileId: FILE_A, lineNumber: 3 },
    ]);
    expect(await claims.claim([{ eventId: mine, fileId: FILE_B, lineNumber: 9 }])).toEqual([undefined]);
    expect(await claims.claim([{ eventId: theirs, fileId: FILE_A, lineNumber: 3 }])).toEqual([{ fileId: FILE_B, lineNumber: 2 }]);
  });
});
