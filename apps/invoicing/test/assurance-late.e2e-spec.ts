/**
 * Revenue assurance and late arrivals (regression): CDRs of a closed period rated and published
 * long after it ended (a November file uploaded in December, more than the 7-day maximum of
 * ASSURANCE_PUBLISH_DELAY_MAX_MS after the period end). JetStream stamps messages with the time
 * they are published, which a test cannot fake; what makes them late here is real: the events
 * occurred weeks ago, in a period that ended 15 days ago, and they are published now.
 *
 * Both sides are compared by event time, so ClickHouse holding exactly those events reconciles
 * (exit code 0) and the events are reported as late arrivals, with how late; a real difference
 * among them (one event ClickHouse lacks) still exits 3.
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
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { connect, NatsConnection } from 'nats';
import { ensureClickhouse, TestClickhouse } from '@app/devstack';
import { requireEnv, uniqueId } from '@app/devstack';
import type { ReconcileReportView } from '../src/assurance/assurance.dto';
import { createRatedStream, OutMessage, publishAll } from './sink-test-helpers';
import { ratedEvent } from '@app/events/testing';

jest.setTimeout(120_000);

const REPO_ROOT = join(__dirname, '..', '..', '..');
const DAY_MS = 86_400_000;
/** The largest publish delay the configuration allows (7 days): even that cannot cover these files. */
const PUBLISH_DELAY_MAX_MS = 7 * DAY_MS;

function ratel(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const node = ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'scripts/ratel.ts', ...args];
  const child = spawn(process.execPath, node, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

const sum = (events: readonly RatedEvent[]) => events.reduce((s, e) => s + BigInt(e.amountMicros), 0n).toString();

describe('revenue assurance: events published long after their period (late CDR files)', () => {
  let ch: TestClickhouse;
  let client: ClickHouseClient;
  let nc: NatsConnection;
  const cleanDb = uniqueId('assurelate');
  const missingDb = uniqueId('assurelatemiss');
  const stream = uniqueId('ASSURELATE');
  const root = `${stream}.ratel.rated.v1`;
  // "November": a 30-day period that ended 15 days ago (more than PUBLISH_DELAY_MAX_MS).
  const toMs = Math.floor(Date.now() / DAY_MS) * DAY_MS - 15 * DAY_MS;
  const fromMs = toMs - 30 * DAY_MS;
  const from = new Date(fromMs).toISOString();
  const to = new Date(toMs).toISOString();

  const late = Array.from({ length: 8 }, (_, i) =>
    ratedEvent(`${stream}-late-${i}`, {
      accountId: i < 5 ? 'acc-late-a' : 'acc-late-b',
      amountMicros: String(20_000 + i * 1_000),
      occurredAtMs: fromMs + (i + 1) * DAY_MS,
    }),
  );
  // Occurred after the period (yesterday): read on the way, never compared.
  const after = ratedEvent(`${stream}-after`, { accountId: 'acc-late-a', occurredAtMs: Date.now() - DAY_MS });
  const lost = late[6];

  const env = (database: string) => ({
    NATS_URL: requireEnv('NATS_URL'),
    CLICKHOUSE_URL: ch.url,
    CLICKHOUSE_DATABASE: database,
    SINK_STREAM: stream,
    ASSURANCE_SUBJECT_PREFIX: root,
    ASSURANCE_PUBLISH_DELAY_MAX_MS: String(PUBLISH_DELAY_MAX_MS),
  });

  beforeAll(async () => {
    ch = await ensureClickhouse();
    client = createClickhouseClient({ url: ch.url });
    nc = await connect({ servers: requireEnv('NATS_URL') });
    await createRatedStream(await nc.jetstreamManager(), stream, root);
    const messages: OutMessage[] = [...late, after].map((e) => ({
      subject: `${root}.${e.accountId}`,
      data: Buffer.from(JSON.stringify(e)),
      msgId: e.eventId,
    }));
    await publishAll(nc.jetstream(), messages);
    await Promise.all([migrateClickhouse(ch.url, cleanDb), migrateClickhouse(ch.url, missingDb)]);
    const rows = (events: readonly RatedEvent[]) =>
      events.map((e, i) => toRatedEventRow(e, { streamSeq: i + 1, ingestedAtMs: Date.now() }));
    await new ClickhouseRatedEventStore(client, cleanDb).insertRatedEvents(rows([...late, after]));
    await new ClickhouseRatedEventStore(client, missingDb).insertRatedEvents(rows([...late, after].filter((e) => e !== lost)));
  });

  afterAll(async () => {
    await (await nc?.jetstreamManager())?.streams.delete(stream).catch(() => undefined);
    await nc?.close();
    await Promise.all([cleanDb, missingDb].map((d) => dropClickhouseDatabase(ch.url, d).catch(() => undefined)));
    await client?.close();
    await ch?.stop();
  });

  it('reconciles them by event time (exit 0) and reports them as late arrivals, with how late', async () => {
    const run = await ratel(['assurance', '--from', from, '--to', to], env(cleanDb));
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const report = JSON.parse(run.stdout) as ReconcileReportView;
    expect({ clean: report.clean, differing: report.accountsWithDifferences, differences: report.differences }).toEqual({
      clean: true,
      differing: 0,
      differences: {
        missingInClickhouse: { events: '0', amountMicros: '0' },
        extraInClickhouse: { events: '0', amountMicros: '0' },
        amountMismatch: { events: '0', publishedMicros: '0', storedMicros: '0' },
      },
    });
    expect(report.published).toEqual({ accounts: 2, events: '8', amountMicros: sum(late) });
    expect(report.stored).toEqual(report.published);
    expect(report.scan).toMatchObject({ events: 8, outsidePeriod: 1 });
    const l = report.lateArrivals;
    expect({ ...l, lateByMsMax: undefined, accounts: l.accounts.map((a) => ({ ...a, lateByMsMax: undefined })) }).toEqual({
      publishDelayMaxMs: PUBLISH_DELAY_MAX_MS,
      events: '8',
      amountMicros: sum(late),
      lateByMsMax: undefined,
      accountsLate: 2,
      accountsNotListed: 0,
      accounts: [
        {
          accountId: 'acc-late-a',
          events: '5',
          amountMicros: sum(late.slice(0, 5)),
          lateByMsMax: undefined,
          eventIds: late
            .slice(0, 5)
            .map((e) => e.eventId)
            .sort(),
        },
        {
          accountId: 'acc-late-b',
          events: '3',
          amountMicros: sum(late.slice(5)),
          lateByMsMax: undefined,
          eventIds: late
            .slice(5)
            .map((e) => e.eventId)
            .sort(),
        },
      ],
    });
    // How late: published now, at least the 15 days since the period end (and less than a day more).
    expect(l.lateByMsMax).toBeGreaterThanOrEqual(15 * DAY_MS);
    expect(l.lateByMsMax).toBeLessThan(16 * DAY_MS + 60_000);
    for (const a of l.accounts) expect(a.lateByMsMax).toBeGreaterThanOrEqual(15 * DAY_MS);
  });

  it('still reports a real difference among late arrivals (exit 3)', async () => {
    const run = await ratel(['assurance', '--from', from, '--to', to], env(missingDb));
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 3, stderr: '' });
    const report = JSON.parse(run.stdout) as ReconcileReportView;
    expect(report.accounts.map((a) => [a.accountId, a.missingInClickhouse, a.extraInClickhouse?.events])).toEqual([
      ['acc-late-b', { events: '1', amountMicros: lost.amountMicros, eventIds: [lost.eventId] }, '0'],
    ]);
    expect(report.lateArrivals.events).toBe('8');
  });
});
