/**
 * Duplicate CDR records across files (issue 8, "CDR duplicates across files"): the same switch
 * records re-exported in another file (CRLF line endings, another name, another order) are not
 * rated again. They are rejects with the reason DUPLICATE naming the first file and line, counted
 * in ratel_cdr_records_duplicate_total, and publish nothing. Two files rated at the same time
 * rate each record once; the memory survives a restart; past RATEL_CDR_DEDUP_WINDOW_MS a record
 * is rated again, with the same event id, so JetStream drops it.
 */
import { createHash } from 'node:crypto';
import { voiceCsv } from '../src/mediation/test/cdr-fixtures';
import { CdrTestApp, CdrTestEnv, openCdrTestEnv, provision, startCdrTestApp, TEST_API_KEY } from '../src/mediation/test/cdr-test-app';

jest.setTimeout(120_000);

const LINES = [
  'x-1,33612000501,33140000000,2026-11-20T18:58:00Z,300,0,0',
  'x-2,33612000501,33612345678,2026-11-21T10:00:00Z,61,0,0',
  'x-3,33612000502,33140000000,2026-11-20T07:00:00Z,45,0,0',
];

function crlf(csv: string): string {
  return csv.replace(/\n/g, '\r\n');
}

function fileIdOf(csv: string): string {
  return createHash('sha256').update(csv).digest('hex').slice(0, 32);
}

describe('CDR duplicates across files', () => {
  let env: CdrTestEnv;
  let t: CdrTestApp;
  const auth = { 'x-api-key': TEST_API_KEY };
  const post = (app: CdrTestApp, name: string, csv: string) =>
    app.app.inject({
      method: 'POST',
      url: `/v1/cdr/files?format=voice&name=${name}`,
      headers: { ...auth, 'content-type': 'text/csv' },
      payload: csv,
    });
  const rejects = async (app: CdrTestApp, csv: string) =>
    (await app.app.inject({ method: 'GET', url: `/v1/cdr/files/${fileIdOf(csv)}/rejects`, headers: auth })).json().rejects as {
      lineNumber: number;
      reasonCode: string;
      reason: string;
    }[];
  const messages = async () => (await (await env.nc.jetstreamManager()).streams.info(env.stream)).state.messages;

  beforeAll(async () => {
    env = await openCdrTestEnv('cdrdup');
    await provision(env, 'dup-a', 'POSTPAID', ['33612000501', '33612000502']);
    t = await startCdrTestApp(env);
  });
  afterAll(async () => {
    await t?.close();
    await env?.close();
  });

  it('does not rate again the same records re-exported in a second file with CRLF line endings', async () => {
    const first = voiceCsv(LINES);
    expect((await post(t, 'msc1-0800.csv', first)).json()).toMatchObject({ status: 'DONE', rated: 3, rejected: 0 });
    expect(await messages()).toBe(3);

    // The switch exports the same records again: CRLF, another name, another order.
    const again = crlf(voiceCsv([LINES[2], LINES[0], LINES[1]]));
    const res = await post(t, 'msc1-0800-reexport.csv', again);
    expect([res.statusCode, res.json()]).toEqual([201, expect.objectContaining({ status: 'DONE', rated: 0, rejected: 3, totals: [] })]);
    expect(await messages()).toBe(3);
    const firstLine = { 2: 4, 3: 2, 4: 3 } as Record<number, number>;
    const got = await rejects(t, again);
    expect(got.map((r) => [r.lineNumber, r.reasonCode])).toEqual([
      [2, 'DUPLICATE'],
      [3, 'DUPLICATE'],
      [4, 'DUPLICATE'],
    ]);
    for (const r of got) expect(r.reason).toContain(`file ${fileIdOf(first)} line ${firstLine[r.lineNumber]}`);
    expect(await t.registry.getSingleMetricAsString('ratel_cdr_records_duplicate_total')).toMatch(/format="voice"[^}]*} 3$/m);
  });

  it('rates each record once when two files carrying it are ingested at the same time', async () => {
    const lines = ['y-1,33612000501,33140000000,2026-11-22T09:00:00Z,60,0,0', 'y-2,33612000502,33140000000,2026-11-22T09:05:00Z,90,0,0'];
    const before = await messages();
    const [a, b] = await Promise.all([post(t, 'y-a.csv', voiceCsv(lines)), post(t, 'y-b.csv', crlf(voiceCsv(lines)))]);
    expect([a.json().rated + b.json().rated, a.json().rejected + b.json().rejected]).toEqual([2, 2]);
    expect(await messages()).toBe(before + 2);
  });

  it('remembers the records after a restart; past the window it rates them again with the same event ids', async () => {
    await t.close();
    t = await startCdrTestApp(env);
    const third = `${voiceCsv(LINES)}\n\n`; // other bytes (blank lines), the same records
    expect((await post(t, 'msc1-0800-third.csv', third)).json()).toMatchObject({ rated: 0, rejected: 3 });

    await t.close();
    t = await startCdrTestApp(env, { RATEL_CDR_DEDUP_WINDOW_MS: '1000' });
    const fresh = ['z-1,33612000501,33140000000,2026-11-23T09:00:00Z,60,0,0'];
    expect((await post(t, 'z-1.csv', voiceCsv(fresh))).json()).toMatchObject({ rated: 1 });
    const before = await messages();
    await new Promise((r) => setTimeout(r, 1_500)); // past the window
    expect((await post(t, 'z-1-again.csv', crlf(voiceCsv(fresh)))).json()).toMatchObject({ rated: 1, rejected: 0 });
    // Same event id: JetStream's duplicate window drops the copy (ClickHouse readers would collapse it after).
    expect(await messages()).toBe(before);
    expect(await t.registry.getSingleMetricAsString('ratel_cdr_events_published_total')).toMatch(/result="duplicate"[^}]*} 1$/m);
  });
});
