/**
 * The invoicing process as it runs in production (main.ts, both roles, as a child process): events
 * are published to JetStream (with re-published duplicates), the sink stores them, a crash-like
 * redelivery stores some rows a second and third time, and the usage API must still answer the
 * exact sums per account, service, rating group, subscriber, day and currency. Also: anonymous
 * and badly authenticated requests get 401, every bad parameter a 400 naming it, and /metrics,
 * /healthz and /openapi.json answer. SIGTERM ends the process with exit code 0.
 */
import {
  ClickHouseClient,
  ClickhouseRatedEventStore,
  createClickhouseClient,
  dropClickhouseDatabase,
  toRatedEventRow,
} from '@app/analytics';
import { signHs256Jwt } from '@app/auth';
import type { RatedEvent } from '@app/events';
import { connect, NatsConnection } from 'nats';
import { request } from 'node:http';
import { HTTP_BODY_LIMIT_BYTES } from '../src/api/http-app';
import { ensureClickhouse, requireEnv, TestClickhouse, uniqueId } from '@app/devstack';
import { InvoicingChild, startInvoicingProcess } from './invoicing-process';
import { freePort } from '@app/devstack';
import { createRatedStream, OutMessage, PERIOD, publishAll, waitFor } from './sink-test-helpers';
import { ratedEvent } from '@app/events/testing';

jest.setTimeout(180_000);

const CHILD_START_TIMEOUT_MS = 90_000;
const API_KEY = 'usage-e2e-key';
/** A key without the read role: every usage and assurance route refuses it with 403. */
const WRITE_KEY = 'usage-e2e-write-only';
const JWT_SECRET = 'usage-e2e-jwt-secret';
const ACCOUNTS = ['acc-u1', 'acc-u2', 'acc-u3'];
const SUBSCRIBERS = ['491700000011', '491700000012', '491700000013', '491700000014', '491700000015'];
const DAY_MS = 86_400_000;
const BEYOND_2_53 = 9_007_199_254_740_993n;

const LISTENING = /"url":"(http:\/\/127\.0\.0\.1:\d+)","msg":"invoicing http api listening"/;

interface Child extends InvoicingChild {
  url: string;
}

/** Both roles up: the API listening (its URL) and the sink running. */
async function startProcess(env: Record<string, string>): Promise<Child> {
  const started = await startInvoicingProcess({
    env,
    ready: (out) => LISTENING.test(out) && out.includes('rated-event sink running'),
    startTimeoutMs: CHILD_START_TIMEOUT_MS,
  });
  return { ...started, url: LISTENING.exec(started.output())![1] };
}

/** 240 events over three accounts, five subscribers, two services, three rating groups and ten days; some amounts beyond 2^53. */
function scenarioEvents(seed: string): RatedEvent[] {
  const events: RatedEvent[] = [];
  for (let i = 0; i < 240; i++) {
    const base = {
      accountId: ACCOUNTS[i % 3],
      subscriberId: SUBSCRIBERS[i % 5],
      serviceId: 1 + (i % 2),
      ratingGroup: 10 + (i % 3),
      unit: (i % 4 === 0 ? 'SECONDS' : 'BYTES') as RatedEvent['unit'],
      usedUnits: 1000 + i,
      billableUnits: 1024 + i,
      occurredAtMs: PERIOD.fromMs + (i % 10) * DAY_MS + i * 1000,
    };
    const amount = BigInt(1000 + i * 37) + (i % 50 === 0 ? BEYOND_2_53 : 0n);
    if (i % 7 === 3) events.push(ratedEvent(`${seed}-${i}`, { ...base, type: 'REFUND', amountMicros: (-amount).toString() }));
    else if (i % 11 === 5) {
      events.push(
        ratedEvent(`${seed}-${i}`, {
          ...base,
          type: 'TOPUP',
          unit: 'MONEY',
          subscriberId: '',
          usedUnits: 0,
          billableUnits: 0,
          amountMicros: (-amount).toString(),
        }),
      );
    } else events.push(ratedEvent(`${seed}-${i}`, { ...base, amountMicros: amount.toString() }));
  }
  // Outside the period: must never be counted.
  events.push(ratedEvent(`${seed}-late`, { accountId: 'acc-u1', occurredAtMs: PERIOD.toMs }));
  return events;
}

function sumBy(events: readonly RatedEvent[], key: (e: RatedEvent) => string): Map<string, { events: bigint; amountMicros: bigint }> {
  const m = new Map<string, { events: bigint; amountMicros: bigint }>();
  for (const e of events) {
    const t = m.get(key(e)) ?? { events: 0n, amountMicros: 0n };
    m.set(key(e), { events: t.events + 1n, amountMicros: t.amountMicros + BigInt(e.amountMicros) });
  }
  return m;
}

const asStrings = (m: Map<string, { events: bigint; amountMicros: bigint }>) =>
  Object.fromEntries(
    [...m.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [k, { events: String(v.events), amountMicros: String(v.amountMicros) }]),
  );

describe('invoicing process: sink and usage API', () => {
  let ch: TestClickhouse;
  let client: ClickHouseClient;
  let nc: NatsConnection;
  let proc: Child | undefined;
  const db = uniqueId('usage');
  const stream = uniqueId('USAGE');
  const root = `${stream}.ratel.rated.v1`;
  const events = scenarioEvents(stream);
  const inPeriod = events.filter((e) => e.occurredAtMs < PERIOD.toMs);
  const usage = inPeriod.filter((e) => e.type === 'DEBIT' || e.type === 'REFUND');
  const q = `from=2026-11-01&to=2026-12-01`;

  const get = (path: string, headers: Record<string, string> = { 'x-api-key': API_KEY }) => fetch(`${proc!.url}${path}`, { headers });
  const json = async <T>(path: string): Promise<T> => {
    const res = await get(path);
    const body = (await res.json()) as T;
    expect({ path, status: res.status, body: res.status === 200 ? 'ok' : body }).toEqual({ path, status: 200, body: 'ok' });
    return body;
  };

  beforeAll(async () => {
    ch = await ensureClickhouse();
    client = createClickhouseClient({ url: ch.url });
    nc = await connect({ servers: requireEnv('NATS_URL') });
    await createRatedStream(await nc.jetstreamManager(), stream, root);
    const messages: OutMessage[] = events.map((e) => ({
      subject: `${root}.${e.accountId}`,
      data: Buffer.from(JSON.stringify(e)),
      msgId: e.eventId,
    }));
    // Re-published after the de-duplication window (no Nats-Msg-Id): stored twice by the sink.
    for (let i = 0; i < 40; i++) messages.push({ subject: messages[i * 5].subject, data: messages[i * 5].data });
    await publishAll(nc.jetstream(), messages);
    proc = await startProcess({
      NATS_URL: requireEnv('NATS_URL'),
      CLICKHOUSE_URL: ch.url,
      CLICKHOUSE_DATABASE: db,
      SINK_STREAM: stream,
      SINK_CONSUMER: 'sink',
      SINK_BATCH_MAX: '100',
      INVOICING_HTTP_PORT: '0',
      RATEL_API_KEYS: `${API_KEY},${WRITE_KEY}:write`,
      RATEL_JWT_SECRET: JWT_SECRET,
      ASSURANCE_SUBJECT_PREFIX: root,
      RATEL_LOG_LEVEL: 'info',
    });
    const jsm = await nc.jetstreamManager();
    await waitFor(
      'the sink to drain',
      () => jsm.consumers.info(stream, 'sink'),
      (i) => i.num_pending === 0 && i.num_ack_pending === 0,
      60_000,
    );
    // A crash after the insert and before the acks: the same rows stored again (twice more for some).
    const store = new ClickhouseRatedEventStore(client, db);
    await store.insertRatedEvents(events.slice(0, 120).map((e, i) => toRatedEventRow(e, { streamSeq: i + 1, ingestedAtMs: Date.now() })));
    await store.insertRatedEvents(events.slice(0, 30).map((e, i) => toRatedEventRow(e, { streamSeq: i + 1, ingestedAtMs: Date.now() })));
  });

  afterAll(async () => {
    if (proc && proc.child.exitCode === null && proc.child.signalCode === null) {
      proc.child.kill('SIGKILL');
      await proc.exited;
    }
    await (await nc?.jetstreamManager())?.streams.delete(stream).catch(() => undefined);
    await nc?.close();
    await dropClickhouseDatabase(ch.url, db).catch(() => undefined);
    await client?.close();
    await ch?.stop();
  });

  it('sums the summary exactly per service, rating group, unit and currency, with filters', async () => {
    interface Summary {
      lines: { serviceId: number; ratingGroup: number; unit: string; currency: string; events: string; amountMicros: string }[];
      totals: { currency: string; amountMicros: string }[];
    }
    for (const accountId of ACCOUNTS) {
      const body = await json<Summary>(`/v1/usage/accounts/${accountId}/summary?${q}`);
      const mine = usage.filter((e) => e.accountId === accountId);
      const want = sumBy(mine, (e) => `${e.serviceId}/${e.ratingGroup}/${e.unit}/${e.currency}`);
      const got = new Map(
        body.lines.map((l) => [
          `${l.serviceId}/${l.ratingGroup}/${l.unit}/${l.currency}`,
          { events: BigInt(l.events), amountMicros: BigInt(l.amountMicros) },
        ]),
      );
      expect(asStrings(got)).toEqual(asStrings(want));
      expect(body.totals).toEqual([
        { currency: 'EUR', events: String(mine.length), amountMicros: String(mine.reduce((s, e) => s + BigInt(e.amountMicros), 0n)) },
      ]);
    }
    const filtered = await json<Summary>(`/v1/usage/accounts/acc-u1/summary?${q}&serviceId=2&ratingGroup=10&type=DEBIT`);
    const want = inPeriod.filter((e) => e.accountId === 'acc-u1' && e.serviceId === 2 && e.ratingGroup === 10 && e.type === 'DEBIT');
    expect(want.length).toBeGreaterThan(5);
    expect(filtered.lines.map((l) => [l.serviceId, l.ratingGroup])).toEqual(filtered.lines.map(() => [2, 10]));
    expect(filtered.totals[0].amountMicros).toBe(String(want.reduce((s, e) => s + BigInt(e.amountMicros), 0n)));
    const topups = await json<Summary>(`/v1/usage/accounts/acc-u2/summary?${q}&type=TOPUP`);
    expect(topups.lines.every((l) => l.unit === 'MONEY')).toBe(true);
  });

  it('pages subscribers by cursor, each line once, with exact sums', async () => {
    interface Page {
      subscribers: { subscriberId: string; currency: string; events: string; amountMicros: string }[];
      nextCursor: string | null;
    }
    const seen: Page['subscribers'] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Page = await json<Page>(`/v1/usage/accounts/acc-u3/subscribers?${q}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.subscribers);
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null && pages < 10);
    const want = sumBy(
      usage.filter((e) => e.accountId === 'acc-u3'),
      (e) => `${e.subscriberId}/${e.currency}`,
    );
    const got = new Map(
      seen.map((s) => [`${s.subscriberId}/${s.currency}`, { events: BigInt(s.events), amountMicros: BigInt(s.amountMicros) }]),
    );
    expect(seen.length).toBe(want.size);
    expect(asStrings(got)).toEqual(asStrings(want));
  });

  it('gives the daily series and all-accounts revenue per day and service, paged by offset', async () => {
    const daily = await json<{ days: { day: string; events: string; amountMicros: string }[] }>(`/v1/usage/accounts/acc-u1/daily?${q}`);
    const wantDaily = sumBy(
      usage.filter((e) => e.accountId === 'acc-u1'),
      (e) => new Date(e.occurredAtMs).toISOString().slice(0, 10),
    );
    expect(asStrings(new Map(daily.days.map((d) => [d.day, { events: BigInt(d.events), amountMicros: BigInt(d.amountMicros) }])))).toEqual(
      asStrings(wantDaily),
    );
    interface Revenue {
      lines: { day: string; serviceId: number; events: string; amountMicros: string }[];
      nextOffset: number | null;
    }
    const lines: Revenue['lines'] = [];
    let offset: number | null = 0;
    while (offset !== null) {
      const page: Revenue = await json<Revenue>(`/v1/revenue/daily?${q}&limit=7&offset=${offset}`);
      lines.push(...page.lines);
      offset = page.nextOffset;
    }
    const wantRevenue = sumBy(usage, (e) => `${new Date(e.occurredAtMs).toISOString().slice(0, 10)}/${e.serviceId}`);
    expect(
      asStrings(new Map(lines.map((l) => [`${l.day}/${l.serviceId}`, { events: BigInt(l.events), amountMicros: BigInt(l.amountMicros) }]))),
    ).toEqual(asStrings(wantRevenue));
  });

  it('refuses anonymous and badly authenticated requests with 401, accepts a valid bearer JWT', async () => {
    const path = `/v1/usage/accounts/acc-u1/summary?${q}`;
    const nowS = Math.floor(Date.now() / 1000);
    const cases: [string, Record<string, string>, number][] = [
      ['anonymous', {}, 401],
      ['wrong key', { 'x-api-key': 'nope' }, 401],
      [
        'wrong key with a valid JWT',
        { 'x-api-key': 'nope', authorization: `Bearer ${signHs256Jwt({ sub: 'crm', exp: nowS + 60 }, JWT_SECRET)}` },
        401,
      ],
      ['expired JWT', { authorization: `Bearer ${signHs256Jwt({ sub: 'crm', exp: nowS - 3600 }, JWT_SECRET)}` }, 401],
      ['JWT of another secret', { authorization: `Bearer ${signHs256Jwt({ sub: 'crm', exp: nowS + 60 }, 'other')}` }, 401],
      ['basic auth', { authorization: 'Basic dXNlcjpwdw==' }, 401],
      ['valid JWT', { authorization: `Bearer ${signHs256Jwt({ sub: 'crm', exp: nowS + 60 }, JWT_SECRET)}` }, 200],
    ];
    const got = await Promise.all(cases.map(async ([name, headers]) => [name, (await get(path, headers)).status]));
    expect(got).toEqual(cases.map(([name, , status]) => [name, status]));
    for (const p of [
      `/v1/usage/accounts/acc-u1/subscribers?${q}`,
      `/v1/usage/accounts/acc-u1/daily?${q}`,
      `/v1/revenue/daily?${q}`,
      `/v1/assurance/reconcile?${q}`,
    ]) {
      const res = await get(p, {});
      expect({ p, status: res.status, code: ((await res.json()) as { code: string }).code }).toEqual({
        p,
        status: 401,
        code: 'UNAUTHENTICATED',
      });
    }
  });

  it.each<[string, string]>([
    ['/v1/usage/accounts/acc-u1/summary?to=2026-12-01', 'from'],
    ['/v1/usage/accounts/acc-u1/summary?from=2026-11-01', 'to'],
    ['/v1/usage/accounts/acc-u1/summary?from=2026-02-30&to=2026-12-01', 'from'],
    ['/v1/usage/accounts/acc-u1/summary?from=yesterday&to=2026-12-01', 'from'],
    ['/v1/usage/accounts/acc-u1/summary?from=2026-11-01&to=2026-11-01', 'to'],
    ['/v1/usage/accounts/acc-u1/summary?from=2026-12-01&to=2026-11-01', 'to'],
    ['/v1/usage/accounts/acc-u1/summary?from=2025-01-01&to=2026-12-01', 'to'],
    ['/v1/revenue/daily?from=2026-01-01&to=2026-12-01', 'to'],
    ['/v1/usage/accounts/acc-u1/summary?from=2026-11-01&from=2026-11-02&to=2026-12-01', 'from'],
    [`/v1/usage/accounts/acc-u1/summary?${'from=2026-11-01&to=2026-12-01'}&type=CREDIT`, 'type'],
    [`/v1/usage/accounts/acc-u1/summary?${'from=2026-11-01&to=2026-12-01'}&type=DEBIT,DEBIT`, 'type'],
    [`/v1/usage/accounts/acc-u1/summary?${'from=2026-11-01&to=2026-12-01'}&serviceId=-1`, 'serviceId'],
    [`/v1/usage/accounts/acc-u1/summary?${'from=2026-11-01&to=2026-12-01'}&ratingGroup=4294967296`, 'ratingGroup'],
    [`/v1/usage/accounts/acc-u1/summary?${'from=2026-11-01&to=2026-12-01'}&ratingGroup=1%27%20OR%201%3D1`, 'ratingGroup'],
    [`/v1/usage/accounts/acc-u1/summary?${'from=2026-11-01&to=2026-12-01'}&servicId=1`, 'servicId'],
    [`/v1/usage/accounts/acc-u1/summary?${'from=2026-11-01&to=2026-12-01'}&se%22rv%0Aice=1`, 'se?rv?ice'],
    [`/v1/usage/accounts/acc%27%20OR%201%3D1/summary?${'from=2026-11-01&to=2026-12-01'}`, 'accountId'],
    [`/v1/usage/accounts/${'a'.repeat(65)}/daily?${'from=2026-11-01&to=2026-12-01'}`, 'accountId'],
    [`/v1/usage/accounts/acc%00x/daily?${'from=2026-11-01&to=2026-12-01'}`, 'accountId'],
    [`/v1/usage/accounts/acc-u1/subscribers?${'from=2026-11-01&to=2026-12-01'}&limit=0`, 'limit'],
    [`/v1/usage/accounts/acc-u1/subscribers?${'from=2026-11-01&to=2026-12-01'}&limit=1001`, 'limit'],
    [`/v1/usage/accounts/acc-u1/subscribers?${'from=2026-11-01&to=2026-12-01'}&cursor=%27%3B%20DROP%20TABLE%20x`, 'cursor'],
    [`/v1/usage/accounts/acc-u1/subscribers?${'from=2026-11-01&to=2026-12-01'}&cursor=${'A'.repeat(600)}`, 'cursor'],
    [`/v1/revenue/daily?${'from=2026-11-01&to=2026-12-01'}&offset=-5`, 'offset'],
    [`/v1/revenue/daily?${'from=2026-11-01&to=2026-12-01'}&limit=10001`, 'limit'],
    ['/v1/assurance/reconcile?from=2026-01-01&to=2026-12-01', 'to'],
    [`/v1/assurance/reconcile?${'from=2026-11-01&to=2026-12-01'}&accountId=a.b`, 'accountId'],
  ])('%s -> 400 naming %s', async (path, parameter) => {
    const res = await get(path);
    const body = (await res.json()) as { code: string; parameter: string; message: string };
    expect({ status: res.status, code: body.code, parameter: body.parameter }).toEqual({
      status: 400,
      code: 'INVALID_ARGUMENT',
      parameter,
    });
    expect(body.message.startsWith(`${parameter}: `)).toBe(true);
  });

  it('answers limit=10000 (the documented maximum) of the revenue series', async () => {
    const res = await get(`/v1/revenue/daily?${q}&limit=10000`);
    const body = (await res.json()) as { lines: unknown[]; limit: number; nextOffset: number | null };
    expect({ status: res.status, limit: body.limit, nextOffset: body.nextOffset }).toEqual({
      status: 200,
      limit: 10_000,
      nextOffset: null,
    });
    expect(body.lines.length).toBeGreaterThan(0);
  });

  it('roles: a credential without read gets 403 FORBIDDEN_ROLE on every usage and assurance route', async () => {
    const nowS = Math.floor(Date.now() / 1000);
    const adminOnly = `Bearer ${signHs256Jwt({ sub: 'ops', exp: nowS + 60, scope: 'admin' }, JWT_SECRET)}`;
    for (const p of [
      `/v1/usage/accounts/acc-u1/summary?${q}`,
      `/v1/usage/accounts/acc-u1/subscribers?${q}`,
      `/v1/usage/accounts/acc-u1/daily?${q}`,
      `/v1/revenue/daily?${q}`,
      `/v1/assurance/reconcile?${q}`,
    ]) {
      const credentials: Record<string, string>[] = [{ 'x-api-key': WRITE_KEY }, { authorization: adminOnly }];
      for (const headers of credentials) {
        const res = await get(p, headers);
        expect({ p, status: res.status, body: await res.json() }).toEqual({
          p,
          status: 403,
          body: { code: 'FORBIDDEN_ROLE', requiredRole: 'read', message: expect.stringContaining('needs the read role') },
        });
      }
    }
    const reader = `Bearer ${signHs256Jwt({ sub: 'bi', exp: nowS + 60, roles: ['read'] }, JWT_SECRET)}`;
    expect((await get(`/v1/revenue/daily?${q}`, { authorization: reader })).status).toBe(200);
  });

  it('body errors and unknown routes get the error format with a code', async () => {
    const post = async (payload: string, contentType: string) => {
      const res = await fetch(`${proc!.url}/v1/cdr/files?format=voice&name=x.csv`, {
        method: 'POST',
        headers: { 'x-api-key': API_KEY, 'content-type': contentType },
        body: payload,
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    expect(await post('{"x":', 'application/json')).toEqual({
      status: 400,
      body: { code: 'INVALID_ARGUMENT', field: 'body', message: expect.stringMatching(/^body: not valid JSON/) },
    });
    expect(await post('', 'application/json')).toMatchObject({ status: 400, body: { code: 'INVALID_ARGUMENT', field: 'body' } });
    // The invoicing API has no POST route since CDR mediation moved to charging: a body nobody parses
    // is a 404 here (415 UNSUPPORTED_MEDIA_TYPE is covered on charging's routes, same createRestApp).
    expect(await post('<x/>', 'application/xml')).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    // Announced larger than the limit: refused from the header, before any of it is read.
    const tooLarge = await new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
      const req = request(`${proc!.url}/v1/cdr/files?format=voice&name=x.csv`, {
        method: 'POST',
        headers: { 'x-api-key': API_KEY, 'content-type': 'application/json', 'content-length': String(HTTP_BODY_LIMIT_BYTES + 1) },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> });
        });
      });
      req.on('error', reject);
      req.write('{');
    });
    expect(tooLarge).toEqual({
      status: 413,
      body: {
        code: 'PAYLOAD_TOO_LARGE',
        field: 'body',
        limitBytes: HTTP_BODY_LIMIT_BYTES,
        message: expect.stringContaining(`${HTTP_BODY_LIMIT_BYTES} bytes`),
      },
    });
    const unknown = await get('/v1/usage/nowhere');
    expect({ status: unknown.status, body: await unknown.json() }).toEqual({
      status: 404,
      body: { code: 'NOT_FOUND', message: 'no route GET /v1/usage/nowhere' },
    });
  });

  it('serves /metrics with the sink and HTTP metrics on one registry, /healthz and /openapi.json', async () => {
    const metrics = await (await fetch(`${proc!.url}/metrics`)).text();
    expect(metrics).toMatch(/ratel_sink_events_inserted_total\{app="invoicing"\} \d+/);
    // Every REST request by method, route template (never the raw URL) and status.
    const counted = (...labels: string[]) =>
      metrics
        .split('\n')
        .some((l) => l.startsWith('ratel_http_request_duration_seconds_count{') && labels.every((p) => l.includes(p)) && !l.endsWith(' 0'));
    expect(counted('app="invoicing"', 'method="GET"', 'route="/v1/usage/accounts/:accountId/summary"', 'status="200"')).toBe(true);
    expect(counted('method="GET"', 'route="/v1/revenue/daily"', 'status="403"')).toBe(true);
    expect(counted('method="GET"', 'route="unmatched"', 'status="404"')).toBe(true);
    expect(metrics).not.toContain('acc-u1');
    expect(metrics).not.toContain('ratel_invoicing_http_request_duration_seconds');
    expect(await (await fetch(`${proc!.url}/healthz`)).text()).toBe('ok\n');
    const ready = await fetch(`${proc!.url}/readyz`);
    expect({ status: ready.status, body: await ready.json() }).toEqual({ status: 200, body: { status: 'ready' } });
    const doc = (await (await fetch(`${proc!.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/usage/accounts/{accountId}/summary',
        '/v1/usage/accounts/{accountId}/subscribers',
        '/v1/usage/accounts/{accountId}/daily',
        '/v1/revenue/daily',
        '/v1/assurance/reconcile',
      ]),
    );
  });

  it('is alive but not ready while ClickHouse does not answer (/readyz names it)', async () => {
    const closed = await freePort();
    const started = await startInvoicingProcess({
      env: {
        NATS_URL: requireEnv('NATS_URL'),
        CLICKHOUSE_URL: `http://127.0.0.1:${closed}`,
        RATEL_INVOICING_ROLES: 'api',
        INVOICING_HTTP_PORT: '0',
        RATEL_API_KEYS: API_KEY,
        RATEL_LOG_LEVEL: 'info',
      },
      ready: (out) => LISTENING.test(out),
      startTimeoutMs: CHILD_START_TIMEOUT_MS,
    });
    try {
      const url = LISTENING.exec(started.output())![1];
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const ready = await fetch(`${url}/readyz`);
      const body = (await ready.json()) as { status: string; failing: Record<string, string> };
      expect({ status: ready.status, body: body.status, failing: Object.keys(body.failing) }).toEqual({
        status: 503,
        body: 'unready',
        failing: ['clickhouse'],
      });
    } finally {
      started.child.kill('SIGTERM');
      await started.exited;
    }
  });

  it('stops on SIGTERM with exit code 0', async () => {
    proc!.child.kill('SIGTERM');
    const code = await proc!.exited;
    expect({ code, output: code === 0 ? '' : proc!.output() }).toEqual({ code: 0, output: '' });
  });
});
