import { mapConcurrently } from './concurrency';

describe('mapConcurrently', () => {
  it('keeps at most `limit` calls in flight and answers in the order of the items', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapConcurrently([5, 1, 4, 2, 3, 0], 3, async (ms, i) => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, ms));
      inFlight--;
      return `${i}:${ms}`;
    });
    expect(out).toEqual(['0:5', '1:1', '2:4', '3:2', '4:3', '5:0']);
    expect(most).toBe(3);
  });

  it('runs nothing for no items, and refuses a limit below one', async () => {
    await expect(mapConcurrently([], 4, () => Promise.reject(new Error('never')))).resolves.toEqual([]);
    await expect(mapConcurrently([1], 0, (x) => Promise.resolve(x))).rejects.toThrow('limit must be a positive integer, not 0');
  });
});
