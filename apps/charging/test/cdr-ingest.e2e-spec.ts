/**
 * CDR mediation end to end on real Redis, NATS JetStream and ClickHouse: files posted to the API
 * are rated with the exact amounts of `rateUsage`, bad records land in rejects with their line
 * numbers and reasons, summaries and progress are right, and ingesting a file again changes
 * nothing: no new message in JetStream, and the same totals in ClickHouse after the sink ran.
 */
import { createHash } from 'node:crypto';
import { ClickhouseRatedEventStore, queryUsage, toRatedEventRow } from '@app/analytics';
import { RatedEvent } from '@app/events';
import { StringCodec } from 'nats';
import { CdrFormat, CdrRejectCode, parseCdrLine } from '../src/mediation/cdr-formats';
import { buildOpenApiDocument } from '../src/mediation/http/openapi';
import { ClickhouseCdrStore } from '../src/mediation/storage/clickhouse-cdr-store';
import { dataCsv, expectedMicros, voiceCsv } from '../src/mediation/test/cdr-fixtures';
import { CdrTestApp, CdrTestEnv, openCdrTestEnv, provision, startCdrTestApp, TEST_API_KEY } from '../src/mediation/test/cdr-test-app';

jest.setTimeout(120_000);

const A = 'cdr-acct-a';
const B = 'cdr-acct-b';
const C = 'cdr-acct-prepaid';

const VOICE = [
  'v-1,33612000101,33140000000,2026-11-20T18:58:00Z,300,0,0', // 2: Friday 19:58 Paris, peak into off-peak
  'v-2,33612000102,33612345678,2026-11-21T10:00:00Z,61,0,0', // 3: Saturday
  'v-3,33612000101,33140000000,2026-11-20T09:00:00Z,6o,0,0', // 4: INVALID_FIELD
  'v-4,33612000201,33140000000,2026-11-20T09:00:00Z,60,0,0', // 5: prepaid
  'v-5,33612000999,33140000000,2026-11-20T09:00:00Z,60,0,0', // 6: not routed
  'v-6,33612000101,4912345678,2026-11-20T09:00:00Z,60,0,0', // 7: no rate (abroad, not roaming)
  'v-2,33612000102,33612345678,2026-11-21T10:00:00Z,61,0,0', // 8: duplicate record id
  'v-7,33612000103,4912345678,2026-11-20T07:00:00Z,45,1,0', // 9: roaming, 60/60
  'garbage', // 10: FIELD_COUNT
  'v-8,33612000103,33140000000,2026-11-20T07:00:00Z,0,0,0', // 11: unanswered: rated 0
];
const VOICE_REJECTS: [number, CdrRejectCode][] = [
  [4, CdrRejectCode.INVALID_FIELD],
  [5, CdrRejectCode.NOT_POSTPAID],
  [6, CdrRejectCode.UNKNOWN_SUBSCRIBER],
  [7, CdrRejectCode.NO_RATE],
  [8, CdrRejectCode.DUPLICATE_RECORD_ID],
  [10, CdrRejectCode.FIELD_COUNT],
];
const DATA = [
  'd-1,208010000000003,2026-11-20T08:00:00Z,2026-11-20T09:00:00Z,1048576,4194304,20,0', // 2: 5 MB at home
  'd-2,33612000101,2026-11-20T08:00:00Z,2026-11-20T08:10:00Z,1000,1500,20,1', // 3: roaming
  'd-3,208010000000003,2026-11-20T08:00:00Z,2026-11-20T08:10:00Z,10,10,30,0', // 4: rating group 30 is EVENTS
  'd-4,208010000000003,2026-11-20T08:00:00Z,2026-11-20T07:00:00Z,10,10,20,0', // 5: ends before it starts
  'd-5,33612000201,2026-11-20T08:00:00Z,2026-11-20T08:10:00Z,10,10,20,0', // 6: prepaid
];
const DATA_REJECTS: [number, CdrRejectCode][] = [
  [4, CdrRejectCode.UNIT_MISMATCH],
  [5, CdrRejectCode.INVALID_FIELD],
  [6, CdrRejectCode.NOT_POSTPAID],
];
const ACCOUNT_OF: Record<string, string> = { '33612000101': A, '33612000102': A, '33612000103': B, '208010000000003': B };

/** line number -> [accountId, amount] for the lines that must be rated. */
function expectedRated(format: CdrFormat, lines: string[], rejects: [number, CdrRejectCode][]): Map<number, [string, bigint]> {
  const out = new Map<number, [string, bigint]>();
  lines.forEach((text, i) => {
    const lineNumber = i + 2;
    if (rejects.some(([l]) => l === lineNumber)) return;
    const r = parseCdrLine(format, text);
    if (!r.ok) throw new Error(`fixture line ${lineNumber} does not parse`);
    out.set(lineNumber, [ACCOUNT_OF[r.record.subscriberId], expectedMicros(r.record)]);
  });
  return out;
}

function fileIdOf(csv: string): string {
  return createHash('sha256').update(csv).digest('hex').slice(0, 32);
}

async function streamEvents(env: CdrTestEnv): Promise<RatedEvent[]> {
  const jsm = await env.nc.jetstreamManager();
  const { state } = await jsm.streams.info(env.stream);
  const sc = StringCodec();
  const out: RatedEvent[] = [];
  for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
    out.push(JSON.parse(sc.decode((await jsm.streams.getMessage(env.stream, { seq })).data)) as RatedEvent);
  }
  return out;
}

/**
 * What the invoicing sink does, reduced to its effect: every message of the stream becomes a row
 * of rated_events. Run twice, it stores every event twice, as a redelivery would: the readers
 * must still count each event id once.
 */
async function storeStream(env: CdrTestEnv): Promise<void> {
  const store = new ClickhouseRatedEventStore(env.clickhouse, env.database);
  const events = await streamEvents(env);
  await store.insertRatedEvents(events.map((e, i) => toRatedEventRow(e, { streamSeq: i + 1, ingestedAtMs: Date.now() })));
}

describe('CDR mediation (API, JetStream, ClickHouse)', () => {
  let env: CdrTestEnv;
  let t: CdrTestApp;
  const auth = { 'x-api-key': TEST_API_KEY };
  const post = (format: string, name: string, csv: string, headers: Record<string, string> = { ...auth, 'content-type': 'text/csv' }) =>
    t.app.inject({ method: 'POST', url: `/v1/cdr/files?format=${format}&name=${name}`, headers, payload: csv });
  const get = (url: string) => t.app.inject({ method: 'GET', url, headers: auth });

  beforeAll(async () => {
    env = await openCdrTestEnv('cdre2e');
    await provision(env, A, 'POSTPAID', ['33612000101', '33612000102']);
    await provision(env, B, 'POSTPAID', ['33612000103', '208010000000003']);
    await provision(env, C, 'PREPAID', ['33612000201']);
    t = await startCdrTestApp(env);
  });
  afterAll(async () => {
    await t?.close();
    await env?.close();
  });

  it('rates a voice file with bad records: exact amounts in JetStream, rejects with line numbers, summary', async () => {
    const csv = voiceCsv(VOICE);
    const res = await post('voice', 'msc1-voice.csv', csv);
    expect(res.statusCode).toBe(201);
    const expected = expectedRated('voice', VOICE, VOICE_REJECTS);
    const total = [...expected.values()].reduce((s, [, m]) => s + m, 0n);
    expect(res.json()).toMatchObject({
      fileId: fileIdOf(csv),
      name: 'msc1-voice.csv',
      format: 'voice',
      source: 'API',
      status: 'DONE',
      lines: 11,
      records: 10,
      rated: expected.size,
      rejected: VOICE_REJECTS.length,
      totals: [{ currency: 'EUR', amountMicros: total.toString() }],
      duplicate: false,
    });
    expect(expected.get(2)).toEqual([A, 380_000n]);

    const events = await streamEvents(env);
    expect(events).toHaveLength(expected.size);
    for (const e of events) {
      const line = Number(e.requestId.split(':')[2]);
      expect([e.accountId, BigInt(e.amountMicros)]).toEqual(expected.get(line));
    }
    const rejects = (await get(`/v1/cdr/files/${fileIdOf(csv)}/rejects`)).json();
    expect(rejects.rejects.map((r: { lineNumber: number; reasonCode: string }) => [r.lineNumber, r.reasonCode])).toEqual(VOICE_REJECTS);
    expect(rejects.rejects[0]).toMatchObject({ reason: 'duration_s: expected an integer from 0 to 86400, got "6o"', rawLine: VOICE[2] });
  });

  it('rates a data file with bad records', async () => {
    const csv = dataCsv(DATA);
    const res = await post('data', 'pgw1-data.csv', csv);
    expect(res.statusCode).toBe(201);
    const expected = expectedRated('data', DATA, DATA_REJECTS);
    expect(res.json()).toMatchObject({ status: 'DONE', records: 5, rated: 2, rejected: 3 });
    const events = (await streamEvents(env)).filter((e) => e.unit === 'BYTES');
    expect(new Map(events.map((e) => [Number(e.requestId.split(':')[2]), [e.accountId, BigInt(e.amountMicros)]]))).toEqual(expected);
    const rejects = (await get(`/v1/cdr/files/${fileIdOf(csv)}/rejects?limit=2`)).json();
    expect(rejects).toMatchObject({ nextAfterLine: 5, rejects: [{ lineNumber: 4, reasonCode: 'UNIT_MISMATCH' }, { lineNumber: 5 }] });
    const rest = (await get(`/v1/cdr/files/${fileIdOf(csv)}/rejects?limit=2&afterLine=5`)).json();
    expect(rest.rejects.map((r: { lineNumber: number }) => r.lineNumber)).toEqual([6]);
  });

  it('changes nothing when the same files come again, in JetStream and in ClickHouse', async () => {
    await storeStream(env);
    const before = (await streamEvents(env)).length;
    const period = { fromMs: Date.UTC(2026, 10, 1), toMs: Date.UTC(2026, 11, 1), types: ['DEBIT'] as const };
    const totals = async () =>
      (await queryUsage(env.clickhouse, env.database, { accountIds: [A, B], ...period })).map((l) => [
        l.accountId,
        l.ratingGroup,
        String(l.events),
        String(l.amountMicros),
      ]);
    const first = await totals();
    expect(first.reduce((n, x) => n + Number(x[2]), 0)).toBe(before);

    // A repeated upload: recognised by its content, nothing rated or published.
    const again = await post('voice', 'msc1-voice-copy.csv', voiceCsv(VOICE));
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ duplicate: true, name: 'msc1-voice.csv', status: 'DONE' });

    // A run that died after publishing (summary not DONE): rated again, same event ids, JetStream drops them.
    const store = new ClickhouseCdrStore(env.clickhouse, env.database);
    const data = (await store.getFile(fileIdOf(dataCsv(DATA))))!;
    await store.putFile({ ...data, status: 'FAILED', error: 'simulated crash', revision: data.revision + 1 });
    const rerun = await post('data', 'pgw1-data.csv', dataCsv(DATA));
    expect(rerun.statusCode).toBe(201);
    expect(rerun.json()).toMatchObject({
      status: 'DONE',
      rated: 2,
      rejected: 3,
      totals: data.totals.map((x) => ({ currency: x.currency, amountMicros: String(x.amountMicros) })),
    });
    expect(await t.registry.getSingleMetricAsString('ratel_cdr_events_published_total')).toMatch(/result="duplicate"[^}]*} 2$/m);

    expect((await streamEvents(env)).length).toBe(before);
    await storeStream(env); // every event stored a second time: still counted once
    expect(await totals()).toEqual(first);
  });

  it('answers bad requests precisely and changes nothing', async () => {
    const csv = voiceCsv(['v-1,33612000101,33140000000,2026-11-20T18:58:00Z,1,0,0']);
    expect((await post('fax', 'a.csv', csv)).json()).toEqual({
      code: 'INVALID_ARGUMENT',
      message: 'format: must be one of voice, data, got "fax"',
      parameter: 'format',
    });
    expect((await post('voice', 'a%20b.csv', csv)).json()).toMatchObject({ code: 'INVALID_ARGUMENT', parameter: 'name' });
    const mismatch = await post('data', 'x.csv', csv);
    expect([mismatch.statusCode, mismatch.json().code]).toEqual([400, 'HEADER_MISMATCH']);
    expect((await post('voice', 'x.csv', '')).json().code).toBe('EMPTY_FILE');
    expect((await post('voice', 'x.csv', csv, { 'content-type': 'text/csv' })).statusCode).toBe(401);
    const json = await post('voice', 'x.csv', JSON.stringify({ a: 1 }), { ...auth, 'content-type': 'application/json' });
    expect([json.statusCode, json.json().code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    // Framework errors in the format of every Ratel REST app (the shared createRestApp).
    const malformed = await post('voice', 'x.csv', '{', { ...auth, 'content-type': 'application/json' });
    expect([malformed.statusCode, malformed.json()]).toEqual([
      400,
      { code: 'INVALID_ARGUMENT', field: 'body', message: expect.stringMatching(/^body: not valid JSON: /) },
    ]);
    const unknownRoute = await get('/v1/cdr/nope');
    expect([unknownRoute.statusCode, unknownRoute.json()]).toEqual([404, { code: 'NOT_FOUND', message: 'no route GET /v1/cdr/nope' }]);
    expect((await get('/v1/cdr/files/0123456789abcdef0123456789abcdef')).statusCode).toBe(404);
    expect((await get('/v1/cdr/files/nope')).json()).toMatchObject({ code: 'INVALID_ARGUMENT', parameter: 'id' });
    expect((await get('/v1/cdr/files?limit=0')).statusCode).toBe(400);
    expect((await get(`/v1/cdr/files/${fileIdOf(csv)}`)).statusCode).toBe(404);
  });

  it('is described in the mediation OpenAPI document', () => {
    const doc = buildOpenApiDocument(t.app);
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/v1/cdr'))).toEqual([
      '/v1/cdr/files',
      '/v1/cdr/files/{id}',
      '/v1/cdr/files/{id}/rejects',
    ]);
    expect(doc.paths['/v1/cdr/files'].post?.requestBody).toMatchObject({ content: { 'text/csv': {} } });
  });

  it('lists files newest first, a page at a time', async () => {
    const first = (await get('/v1/cdr/files?limit=1')).json();
    expect(first.files).toHaveLength(1);
    const second = (await get(`/v1/cdr/files?limit=1&before=${first.nextCursor}`)).json();
    expect(second.files).toHaveLength(1);
    expect(new Set([first.files[0].format, second.files[0].format])).toEqual(new Set(['voice', 'data']));
  });

  it('shows the progress of a long file while it runs, in the API and in the gauge', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `p-${i},33612000101,33140000000,2026-11-20T09:00:00Z,${(i % 600) + 1},0,0`);
    const csv = voiceCsv(lines);
    const id = fileIdOf(csv);
    const seen: number[] = [];
    let done = false;
    const posting = post('voice', 'long.csv', csv).finally(() => {
      done = true;
    });
    while (!done) {
      const res = await get(`/v1/cdr/files/${id}`);
      if (res.statusCode === 200 && res.json().status === 'RUNNING') {
        seen.push(res.json().progress.recordsProcessed);
        expect(await t.registry.getSingleMetricAsString('ratel_cdr_file_records_processed')).toContain(`file_id="${id}"`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    expect((await posting).json()).toMatchObject({ status: 'DONE', rated: 20_000 });
    expect(seen.some((n) => n > 0 && n < 20_000)).toBe(true);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(await t.registry.getSingleMetricAsString('ratel_cdr_file_records_processed')).not.toContain(id);
  });
});
