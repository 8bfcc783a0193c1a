/**
 * Prepaid renewal (issue 9, section 1): a bundle is renewed once per period, an unpaid renewal
 * grants nothing and notifies once, and only ACTIVE subscriptions of PREPAID accounts renew.
 * Real PostgreSQL (a database of its own), Redis (a key prefix of its own) and NATS (a server of
 * its own: the engine writes the production subjects, which the relay publishes to the production
 * stream names); a fake clock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, startNats, uniqueId, waitFor, type StartedServer } from '@app/devstack';
import { migrate } from '@app/db';
import { parseNotification } from '@app/events';
import { createLogger, FakeClock } from '@app/observability';
import { createNatsConnection, drainNats } from '@app/runtime';
import type { NatsConnection } from 'nats';
import { Pool } from 'pg';
import { Registry } from 'prom-client';
import type { BalanceEngine, RenewalCommand } from '../balance/balance-engine.port';
import {
  EUR,
  notifications,
  openEngine,
  outbox,
  prepaid,
  rated,
  type OutboxEntry,
  type TestEngine,
} from '../balance/test/balance-test-kit';
import { OutboxRelay } from '../outbox/outbox-relay';
import { deleteStreams, outboxDepth, readStream, TEST_STREAM_LIMITS } from '../outbox/testing/outbox-fixtures';
import { streamNamesFor, type StreamNames } from '../outbox/streams';
import { renewalMetrics } from './renewal-metrics';
import { RunDueRenewalsUseCase } from './run-due-renewals.usecase';
import { RENEWAL_RETRY_DELAYS_MS } from './renewal.limits';
import { BUNDLE_BYTES, FEE_MICROS, seedBundleCatalog, seedSubscriber } from './testing/renewal-fixtures';

/** 2026-12-05T09:00:00Z; accounts live in Europe/Berlin (UTC+1 in winter). */
const T0 = Date.UTC(2026, 11, 5, 9, 0, 0);
const DAY_MS = 24 * 3_600_000;
const DRAIN_TIMEOUT_MS = 30_000;

describe('prepaid renewals', () => {
  let pool: Pool;
  let t: TestEngine;
  let clock: FakeClock;
  let nc: NatsConnection;
  let natsDir: string;
  let nats: StartedServer;
  const names: StreamNames = streamNamesFor();

  beforeAll(async () => {
    const url = await createTestDatabase('renewal');
    await migrate(url);
    pool = new Pool({ connectionString: url, max: 6 });
    t = await openEngine('rnw');
    natsDir = mkdtempSync(join(tmpdir(), 'renewal-nats-'));
    nats = await startNats({ dir: natsDir });
    nc = await createNatsConnection(nats.url, 'renewal-spec');
    await seedBundleCatalog(pool, T0 - 90 * DAY_MS);
  });

  afterAll(async () => {
    await deleteStreams(nc, [names.rated.name, names.notify.name]);
    await drainNats(nc);
    await nats.stop();
    rmSync(natsDir, { recursive: true, force: true });
    await t.close();
    await pool.end();
  });

  beforeEach(() => {
    clock = new FakeClock(T0);
  });

  function useCase(engine: BalanceEngine = t.engine): RunDueRenewalsUseCase {
    const registry = new Registry();
    return new RunDueRenewalsUseCase({
      pool,
      engine,
      clock,
      logger: createLogger('renewal-spec', 'silent'),
      metrics: renewalMetrics(registry),
    });
  }

  /** A PREPAID (or POSTPAID) account with `balanceMicros` and one subscription activated on 2026-11-20 (Berlin). */
  async function account(
    balanceMicros: bigint,
    over: { type?: 'PREPAID' | 'POSTPAID'; status?: string } = {},
  ): Promise<{ acct: string; sub: string }> {
    const acct = uniqueId('acct').replace(/[^A-Za-z0-9_-]/g, '');
    const type = over.type ?? 'PREPAID';
    const { subscriptionId: sub } = await seedSubscriber(pool, {
      accountId: acct,
      type,
      status: over.status,
      createdAtMs: Date.UTC(2026, 10, 20, 10, 0, 0),
    });
    const projection = prepaid(acct, type === 'POSTPAID' ? { type, creditLimitMicros: 100_000_000n } : {});
    await t.engine.upsertAccount(projection, balanceMicros);
    return { acct, sub };
  }

  async function renewals(
    sub: string,
  ): Promise<Array<{ period_start: string; status: string; attempts: number; notified: boolean; next_ms: number | null }>> {
    const { rows } = await pool.query(
      `select period_start::text, status, attempts, notified_at is not null as notified,
              (extract(epoch from next_attempt_at) * 1000)::float8 as next_ms
         from subscription_renewal where subscription_id = $1 order by period_start`,
      [sub],
    );
    return rows;
  }

  /** The entries of this account in its bucket's outbox (the bucket is shared with other accounts). */
  async function entriesOf(acct: string): Promise<OutboxEntry[]> {
    return (await outbox(t, acct)).filter((e) => e.data.accountId === acct);
  }

  async function grants(acct: string): Promise<Array<{ units: string; valid_from: Date; expires_at: Date }>> {
    return (
      await pool.query(`select units::text, valid_from, expires_at from allowance_grant where account_id = $1 order by valid_from`, [acct])
    ).rows;
  }

  it('renews a bundle once per period: two racing runs and a re-run debit once and grant once', async () => {
    const { acct, sub } = await account(20n * EUR);
    await Promise.all([useCase().execute(), useCase().execute()]);
    await useCase().execute();

    const view = await t.engine.getBalance(acct, T0);
    expect(view?.balanceMicros).toBe(20n * EUR - FEE_MICROS);
    // The period runs from the activation day (20 November) to 20 December, Berlin midnights.
    const start = Date.UTC(2026, 10, 19, 23, 0, 0);
    const end = Date.UTC(2026, 11, 19, 23, 0, 0);
    expect(view?.buckets).toEqual([
      expect.objectContaining({ unit: 'BYTES', ratingGroups: [10], totalUnits: BUNDLE_BYTES, validFromMs: start, expiresAtMs: end }),
    ]);
    const debits = rated(await entriesOf(acct), 'DEBIT');
    expect(debits).toHaveLength(1);
    expect(debits[0]).toMatchObject({ amountMicros: String(FEE_MICROS), unit: 'MONEY', reason: 'RECURRING_FEE', tariffId: 'fee-m' });
    expect(await renewals(sub)).toEqual([{ period_start: '2026-11-20', status: 'PAID', attempts: 1, notified: false, next_ms: null }]);
    expect(await grants(acct)).toEqual([{ units: String(BUNDLE_BYTES), valid_from: new Date(start), expires_at: new Date(end) }]);

    clock.set(Date.UTC(2026, 11, 20, 8, 0, 0)); // the next period, in Berlin since 00:00
    await useCase().execute();
    await useCase().execute();
    expect((await t.engine.getBalance(acct, clock.nowMs()))?.balanceMicros).toBe(20n * EUR - 2n * FEE_MICROS);
    expect((await renewals(sub)).map((r) => [r.period_start, r.status])).toEqual([
      ['2026-11-20', 'PAID'],
      ['2026-12-20', 'PAID'],
    ]);
    expect(await grants(acct)).toHaveLength(2);
  });

  it('a run killed between the debit and the grant is finished by the next run, without a second debit', async () => {
    const { acct, sub } = await account(20n * EUR);
    // The engine pays, then the process dies before PostgreSQL commits the renewal and its grant.
    const dying: BalanceEngine = Object.create(t.engine, {
      renew: {
        value: async (cmd: RenewalCommand) => {
          await t.engine.renew(cmd);
          throw new Error('killed');
        },
      },
    });
    await expect(useCase(dying).execute()).rejects.toThrow('killed');
    expect(await renewals(sub)).toEqual([expect.objectContaining({ status: 'PENDING', attempts: 0 })]);
    expect(await grants(acct)).toEqual([]);

    await useCase().execute();
    expect((await t.engine.getBalance(acct, T0))?.balanceMicros).toBe(20n * EUR - FEE_MICROS);
    expect(rated(await entriesOf(acct), 'DEBIT')).toHaveLength(1);
    expect(await renewals(sub)).toEqual([expect.objectContaining({ status: 'PAID', attempts: 1 })]);
    expect(await grants(acct)).toHaveLength(1);
  });

  it('an unpaid renewal takes nothing, grants nothing, notifies once, and is paid by a retry after a top-up', async () => {
    const { acct, sub } = await account(5n * EUR);
    await useCase().execute();
    const first = await renewals(sub);
    expect(first).toEqual([
      { period_start: '2026-11-20', status: 'FAILED', attempts: 1, notified: true, next_ms: T0 + RENEWAL_RETRY_DELAYS_MS[0] },
    ]);
    const view = await t.engine.getBalance(acct, T0);
    expect(view).toMatchObject({ balanceMicros: 5n * EUR, buckets: [] });
    expect(await grants(acct)).toEqual([]);

    // Not due yet: nothing happens; due: tried again, still unpaid, no second notification.
    clock.set(T0 + RENEWAL_RETRY_DELAYS_MS[0] - 1);
    await useCase().execute();
    expect(await renewals(sub)).toEqual(first);
    clock.set(T0 + RENEWAL_RETRY_DELAYS_MS[0]);
    await useCase().execute();
    expect(await renewals(sub)).toEqual([expect.objectContaining({ attempts: 2, next_ms: clock.nowMs() + RENEWAL_RETRY_DELAYS_MS[1] })]);

    const entries = await entriesOf(acct);
    expect(rated(entries, 'DEBIT')).toEqual([]);
    const [note] = notifications(entries, 'RENEWAL_FAILED');
    expect(notifications(entries, 'RENEWAL_FAILED')).toHaveLength(1);
    expect(note).toMatchObject({ accountId: acct, thresholdMicros: String(FEE_MICROS), availableAfterMicros: String(5n * EUR) });

    // The notification reaches RATEL_NOTIFY through the outbox relay, once.
    const relay = new OutboxRelay({
      redis: t.redis,
      nc,
      registry: new Registry(),
      clock,
      logger: createLogger('renewal-spec', 'silent'),
      redisPrefix: t.prefix,
      streams: names,
      streamLimits: TEST_STREAM_LIMITS,
    });
    relay.start();
    await waitFor('outbox relayed', async () => (await outboxDepth(t.redis, t.prefix)) === 0, DRAIN_TIMEOUT_MS);
    await relay.stop();
    const onStream = (await readStream(nc, names.notify.name)).map((m) => parseNotification(JSON.parse(m.data)));
    expect(onStream.filter((x) => x.type === 'RENEWAL_FAILED' && x.accountId === acct)).toEqual([note]);

    await t.engine.topUp(acct, 'topup-1', 10n * EUR, clock.nowMs());
    clock.set(clock.nowMs() + RENEWAL_RETRY_DELAYS_MS[1]);
    await useCase().execute();
    expect((await t.engine.getBalance(acct, clock.nowMs()))?.balanceMicros).toBe(15n * EUR - FEE_MICROS);
    expect(await renewals(sub)).toEqual([expect.objectContaining({ status: 'PAID', attempts: 3, notified: true })]);
    expect(await grants(acct)).toHaveLength(1);
    expect(notifications(await entriesOf(acct), 'RENEWAL_FAILED')).toEqual([]); // relayed before; no new one
  });

  it('a period that ends unpaid is given up at its end, without paying for it', async () => {
    const { acct, sub } = await account(1n * EUR);
    await useCase().execute();
    await t.engine.topUp(acct, 'topup-late', 50n * EUR, T0);
    clock.set(Date.UTC(2026, 11, 19, 23, 0, 0)); // the period's end (and the next one's start)
    await useCase().execute(); // the old period expires, the new one is paid
    expect((await renewals(sub)).map((r) => [r.period_start, r.status, r.next_ms])).toEqual([
      ['2026-11-20', 'FAILED', null],
      ['2026-12-20', 'PAID', null],
    ]);
    expect((await t.engine.getBalance(acct, clock.nowMs()))?.balanceMicros).toBe(51n * EUR - FEE_MICROS);
  });

  it.each(['SUSPENDED', 'CANCELLED'])('does not renew a %s subscription', async (status) => {
    const { acct, sub } = await account(20n * EUR, { status });
    await useCase().execute();
    expect(await renewals(sub)).toEqual([]);
    expect((await t.engine.getBalance(acct, T0))?.balanceMicros).toBe(20n * EUR);
    expect(await entriesOf(acct)).toHaveLength(1); // the opening balance only
  });

  it('never touches a postpaid account, and the engine refuses to renew one', async () => {
    const { acct, sub } = await account(0n, { type: 'POSTPAID' });
    await useCase().execute();
    expect(await renewals(sub)).toEqual([]);
    expect(await grants(acct)).toEqual([]);
    const before = await t.engine.getBalance(acct, T0);
    await expect(
      t.engine.renew({
        accountId: acct,
        requestId: 'rnw-direct',
        subscriberId: '491510000000',
        chargeId: 'fee-m',
        feeMicros: FEE_MICROS,
        nowMs: T0,
        recordTtlMs: DAY_MS,
        buckets: [],
        notifyIfUnpaid: true,
        replayOnly: false,
      }),
    ).rejects.toMatchObject({ code: 'NOT_PREPAID' });
    expect(await t.engine.getBalance(acct, T0)).toEqual(before);
  });
});
