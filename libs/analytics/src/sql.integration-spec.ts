/** Hostile literals round-trip through a real ClickHouse: what goes in as a literal comes back byte for byte. */
import { ensureClickhouse, TestClickhouse } from '../../devstack/src/clickhouse';
import { ClickHouseClient, createClickhouseClient } from './clickhouse-client';
import { dateFromEpochMs, dateTimeFromEpochMs, EPOCH_MAX_MS, int64, sql, str, uint64 } from './sql';

describe('sql literals against ClickHouse', () => {
  let ch: TestClickhouse;
  let client: ClickHouseClient;

  beforeAll(async () => {
    ch = await ensureClickhouse();
    client = createClickhouseClient({ url: ch.url });
  });
  afterAll(async () => {
    await client?.close();
    await ch?.stop();
  });

  async function one(query: string): Promise<Record<string, string>> {
    const rs = await client.query({ query, format: 'JSONEachRow' });
    const rows = await rs.json<Record<string, string>>();
    return rows[0];
  }

  it.each([
    ["O'Brien"],
    ['back\\slash\\'],
    ["\\'"],
    ["'; DROP DATABASE default; --"],
    ['line\nbreak\r\ttab'],
    ['bell\x07 esc\x1b del\x7f'],
    ['€ and 😀 and ü'],
    ['`backtick` "double" {braces} ?'],
    ['\\x41 is not A'],
  ])('round-trips %j', async (value) => {
    const row = await one(sql`SELECT ${str(value)} AS v, length(${str(value)}) AS n`.text);
    expect(row.v).toBe(value);
    expect(Number(row.n)).toBe(Buffer.byteLength(value, 'utf8'));
  });

  it('round-trips integer extremes and dates', async () => {
    const q = sql`SELECT toString(${int64(-(2n ** 63n))}) AS lo, toString(${int64(2n ** 63n - 1n)}) AS hi,
      toString(${uint64(2n ** 64n - 1n)}) AS uhi,
      toString(${dateFromEpochMs(EPOCH_MAX_MS)}) AS d, toString(${dateTimeFromEpochMs(Date.UTC(2026, 10, 21, 13, 14, 15, 999))}) AS t`;
    expect(await one(q.text)).toEqual({
      lo: '-9223372036854775808',
      hi: '9223372036854775807',
      uhi: '18446744073709551615',
      d: '2105-12-31',
      t: '2026-11-21 13:14:15',
    });
  });
});
