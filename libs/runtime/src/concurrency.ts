/**
 * `fn` over `items` with at most `limit` calls in flight, each next item taken as a call ends; the results in
 * the order of `items`. A rejection rejects the whole (the calls in flight still run to their end); a caller
 * that wants every item tried catches inside `fn`.
 */
export async function mapConcurrently<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`mapConcurrently: limit must be a positive integer, not ${limit}`);
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
