/**
 * Revenue assurance against real NATS JetStream and ClickHouse. Events are published on a rated
 * stream of their own (with re-published duplicates, an invalid message and an event outside the
 * period); ClickHouse gets a different picture on purpose: three events of one account left out,
 * two events of another stored with a tampered amount, one event stored that was never published,
 * and redelivered copies of many rows. The report (HTTP and CLI) must list exactly those
 * differences, with their counts, amounts and event ids; a clean state must report none. The
 * bounds (events scanned, accounts detailed) must hold.
 */
import {
  ClickHouseClient,
  ClickhouseRatedEventStore,
  createClickhouseClient,
  dropClickhouseDatabase,
  migrateClickhouse,
  toRatedEventRow,
} from '@app/analytics';
import type { RatedEvent } from '@app/events';
import { createLogger, createRegistry, systemClock } from '@app/observability';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { connect, NatsConnection } from 'nats';
import { ensureClickhouse, TestClickhouse } from '@app/devstack';
import { requireEnv, uniqueId } from '@app/devstack';
import { InvoicingAppModule } from '../src/app.module';
import { startInvoicingHttp, InvoicingHttp } from '../src/api/http-app';
import { InvoicingError, InvoicingErrorCode } from '../src/api/invoicing-error';
import { createReconcileUseCase } from '../src/assurance/assurance.module';
import type { ReconcileReportView } from '../src/assurance/assurance.dto';
import { loadInvoicingConfig } from '../src/config';
import { createRatedStream, OutMessage, publishAll } from './sink-test-helpers';
import { ratedEvent } from '@app/events/testing';

jest.setTimeout(120_000);

const REPO_ROOT = join(__dirname, '..', '..', '..');
const API_KEY = 'assurance-e2e-key';
const MINUTE_MS = 60_000;

function sortedIds(events: readonly RatedEvent[]): string[] {
  return events.map((e) => e.eventId).sort();
}

const sum = (events: readonly RatedEvent[]) => events.reduce((s, e) => s + BigInt(e.amountMicros), 0n).toString();

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'scripts/ratel.ts', 'assurance', ...args],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('revenue assurance: published (JetStream) against stored (ClickHouse)', () => {
  let ch: TestClickhouse;
  let client: ClickHouseClient;
  let nc: NatsConnection;
  let http: InvoicingHttp;
  const db = uniqueId('assure');
  const cleanDb = uniqueId('assureclean');
  const stream = uniqueId('ASSURE');
  const root = `${stream}.ratel.rated.v1`;
  // The period holds "now": the scan reads by publish time, and the events are published now.
  const fromMs = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - 120 * MINUTE_MS;
  const toMs = fromMs + 180 * MINUTE_MS;
  const period = `from=${new Date(fromMs).toISOString()}&to=${new Date(toMs).toISOString()}`;

  const make = (accountId: string, n: number, type: 'DEBIT' | 'REFUND' = 'DEBIT'): RatedEvent[] =>
    Array.from({ length: n }, (_, i) =>
      ratedEvent(`${stream}-${accountId}-${type}-${i}`, {
        accountId,
        type,
        amountMicros: String((type === 'DEBIT' ? 1 : -1) * (10_000 + i * 1_111)),
        occurredAtMs: fromMs + (5 + i) * MINUTE_MS,
      }),
    );
  const clean = [...make('acc-clean', 10), ...make('acc-clean', 3, 'REFUND')];
  const missingAccount = make('acc-missing', 10);
  const tamperedAccount = make('acc-tampered', 10);
  const extraAccount = make('acc-extra', 5);
  const extraEvent = ratedEvent(`${stream}-never-published`, {
    accountId: 'acc-extra',
    amountMicros: '777',
    occurredAtMs: fromMs + MINUTE_MS,
  });
  const outside = ratedEvent(`${stream}-outside`, { accountId: 'acc-clean', occurredAtMs: fromMs - 10 * MINUTE_MS });
  const published = [...clean, ...missingAccount, ...tamperedAccount, ...extraAccount];
  const missing = [missingAccount[2], missingAccount[5], missingAccount[9]];
  const tampered = [tamperedAccount[0], tamperedAccount[7]];
  const TAMPER_MICROS = 123n;

  const env = () => ({
    NATS_URL: requireEnv('NATS_URL'),
    CLICKHOUSE_URL: ch.url,
    CLICKHOUSE_DATABASE: db,
    SINK_STREAM: stream,
    ASSURANCE_SUBJECT_PREFIX: root,
  });

  beforeAll(async () => {
    ch = await ensureClickhouse();
    client = createClickhouseClient({ url: ch.url });
    nc = await connect({ servers: requireEnv('NATS_URL') });
    await createRatedStream(await nc.jetstreamManager(), stream, root);
    const messages: OutMessage[] = [...published, outside].map((e) => ({
      subject: `${root}.${e.accountId}`,
      data: Buffer.from(JSON.stringify(e)),
      msgId: e.eventId,
    }));
    for (let i = 0; i < 6; i++) messages.push({ subject: messages[i * 4].subject, data: messages[i * 4].data }); // re-published copies
    messages.push({ subject: `${root}.acc-clean`, data: Buffer.from('{"not": json') });
    await publishAll(nc.jetstream(), messages);

    await Promise.all([migrateClickhouse(ch.url, db), migrateClickhouse(ch.url, cleanDb)]);
    const rows = (events: readonly RatedEvent[]) =>
      events.map((e, i) => toRatedEventRow(e, { streamSeq: i + 1, ingestedAtMs: Date.now() }));
    const stored = published
      .filter((e) => !missing.includes(e))
      .map((e) => (tampered.includes(e) ? { ...e, amountMicros: (BigInt(e.amountMicros) + TAMPER_MICROS).toString() } : e));
    const store = new ClickhouseRatedEventStore(client, db);
    await store.insertRatedEvents(rows([...stored, extraEvent]));
    await store.insertRatedEvents(rows(stored.slice(0, 20))); // redelivered copies: never counted twice
    const cleanStore = new ClickhouseRatedEventStore(client, cleanDb);
    await cleanStore.insertRatedEvents(rows(published));
    await cleanStore.insertRatedEvents(rows(published.slice(5, 25)));

    const config = loadInvoicingConfig({ ...env(), RATEL_API_KEYS: API_KEY, RATEL_INVOICING_ROLES: 'api', INVOICING_HTTP_PORT: '0' });
    const deps = {
      config,
      logger: createLogger('assurance-e2e', 'silent'),
      clock: systemClock,
      registry: createRegistry('invoicing'),
      clickhouse: client,
      nats: nc,
      health: { live: () => true },
    };
    http = await startInvoicingHttp(InvoicingAppModule.forRoot(deps), deps);
  });

  afterAll(async () => {
    await http?.close();
    await (await nc?.jetstreamManager())?.streams.delete(stream).catch(() => undefined);
    await nc?.close();
    await Promise.all([db, cleanDb].map((d) => dropClickhouseDatabase(ch.url, d).catch(() => undefined)));
    await client?.close();
    await ch?.stop();
  });

  const reconcile = async (query: string, headers: Record<string, string> = { 'x-api-key': API_KEY }) => {
    const res = await fetch(`${http.url}/v1/assurance/reconcile?${query}`, { headers });
    return { status: res.status, body: (await res.json()) as ReconcileReportView & { code?: string; parameter?: string } };
  };

  it('reports exactly the missing, extra and tampered events, with counts and amounts', async () => {
    const { status, body } = await reconcile(period);
    expect(status).toBe(200);
    expect(body.clean).toBe(false);
    expect(body.scan).toEqual({
      messages: published.length + 1 + 6 + 1,
      events: published.length,
      duplicates: 6,
      conflictingDuplicates: 0,
      invalid: 1,
      outsidePeriod: 1,
      streamCoversPeriod: true,
    });
    expect(body.accountsWithDifferences).toBe(3);
    expect(body.accountsNotDetailed).toBe(0);
    const byId = Object.fromEntries(body.accounts.map((a) => [a.accountId, a]));
    expect(Object.keys(byId)).toEqual(['acc-extra', 'acc-missing', 'acc-tampered']);
    const none = { events: '0', amountMicros: '0', eventIds: [] };
    const noMismatch = { events: '0', publishedMicros: '0', storedMicros: '0', eventIds: [] };
    expect(byId['acc-missing']).toMatchObject({
      missingInClickhouse: { events: '3', amountMicros: sum(missing), eventIds: sortedIds(missing) },
      extraInClickhouse: none,
      amountMismatch: noMismatch,
    });
    expect(byId['acc-missing'].byType).toEqual([
      {
        type: 'DEBIT',
        published: { events: '10', amountMicros: sum(missingAccount) },
        stored: { events: '7', amountMicros: sum(missingAccount.filter((e) => !missing.includes(e))) },
      },
    ]);
    const tamperedStored = (BigInt(sum(tampered)) + 2n * TAMPER_MICROS).toString();
    expect(byId['acc-tampered']).toMatchObject({
      missingInClickhouse: none,
      extraInClickhouse: none,
      amountMismatch: { events: '2', publishedMicros: sum(tampered), storedMicros: tamperedStored, eventIds: sortedIds(tampered) },
    });
    expect(byId['acc-extra']).toMatchObject({
      missingInClickhouse: none,
      extraInClickhouse: { events: '1', amountMicros: '777', eventIds: [extraEvent.eventId] },
      amountMismatch: noMismatch,
    });
    expect(body.differences).toEqual({
      missingInClickhouse: { events: '3', amountMicros: sum(missing) },
      extraInClickhouse: { events: '1', amountMicros: '777' },
      amountMismatch: { events: '2', publishedMicros: sum(tampered), storedMicros: tamperedStored },
    });
    expect(body.warnings).toEqual([expect.stringContaining('1 invalid messages')]);
  });

  it('reports no difference for an account that matches, reading only its subject', async () => {
    const { status, body } = await reconcile(`${period}&accountId=acc-clean`);
    expect(status).toBe(200);
    expect({
      clean: body.clean,
      subjectFilter: body.subjectFilter,
      accounts: body.accounts,
      published: body.published,
      stored: body.stored,
    }).toEqual({
      clean: true,
      subjectFilter: `${root}.acc-clean`,
      accounts: [],
      published: { accounts: 1, events: '13', amountMicros: sum(clean) },
      stored: { accounts: 1, events: '13', amountMicros: sum(clean) },
    });
  });

  it('reports no difference at all on a clean state (redelivered copies included)', async () => {
    const config = loadInvoicingConfig({ ...env(), CLICKHOUSE_DATABASE: cleanDb, RATEL_INVOICING_ROLES: 'sink' });
    const report = await createReconcileUseCase(config, nc, client).execute({ fromMs, toMs });
    expect({ clean: report.clean, differing: report.accountsWithDifferences, events: report.stored.events }).toEqual({
      clean: true,
      differing: 0,
      events: String(published.length),
    });
  });

  it('holds its bounds: events scanned and accounts detailed', async () => {
    const small = loadInvoicingConfig({ ...env(), RATEL_INVOICING_ROLES: 'sink', ASSURANCE_EVENTS_MAX: '20' });
    const err = await createReconcileUseCase(small, nc, client)
      .execute({ fromMs, toMs })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvoicingError);
    expect((err as InvoicingError).code).toBe(InvoicingErrorCode.LIMIT_EXCEEDED);
    const oneAccount = loadInvoicingConfig({ ...env(), RATEL_INVOICING_ROLES: 'sink', ASSURANCE_ACCOUNTS_REPORTED_MAX: '1' });
    const report = await createReconcileUseCase(oneAccount, nc, client).execute({ fromMs, toMs });
    expect({ listed: report.accounts.map((a) => a.accountId), notDetailed: report.accountsNotDetailed }).toEqual({
      listed: ['acc-extra'],
      notDetailed: 2,
    });
  });

  it('is never anonymous, and names bad parameters', async () => {
    expect((await reconcile(period, {})).status).toBe(401);
    for (const [query, parameter] of [
      ['to=2026-12-01', 'from'],
      [`${period}&accountId=`, 'accountId'],
      [`${period}&accountId=${encodeURIComponent("x' OR 1=1")}`, 'accountId'],
      [`${period}&account=acc-1`, 'account'],
    ]) {
      const { status, body } = await reconcile(query);
      expect({ query, status, parameter: body.parameter }).toEqual({ query, status: 400, parameter });
    }
  });

  it('runs from the CLI: exit 3 with the differences, 0 when clean, 2 on bad arguments', async () => {
    const from = new Date(fromMs).toISOString();
    const to = new Date(toMs).toISOString();
    const [differences, cleanRun, bad] = await Promise.all([
      runCli(['--from', from, '--to', to], env()),
      runCli(['--from', from, '--to', to, '--account', 'acc-clean'], env()),
      runCli(['--from', to, '--to', from], env()),
    ]);
    expect({ code: differences.code, stderr: differences.stderr }).toEqual({ code: 3, stderr: '' });
    const report = JSON.parse(differences.stdout) as ReconcileReportView;
    expect(report.accounts.map((a) => a.accountId)).toEqual(['acc-extra', 'acc-missing', 'acc-tampered']);
    expect({ code: cleanRun.code, clean: (JSON.parse(cleanRun.stdout) as ReconcileReportView).clean }).toEqual({ code: 0, clean: true });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('to: must be after from');
  });
});
