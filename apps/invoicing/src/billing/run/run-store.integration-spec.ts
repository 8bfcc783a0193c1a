/**
 * The invoice run's state against a real PostgreSQL: steps claimed once, leases that expire and are
 * taken over, attempts that end in FAILED, phases re-run, the plan's stable shards, and a
 * coordinator that drives every phase and, run again, does nothing.
 */
import { Pool } from 'pg';
import { migrate } from '@app/db';
import { createTestDatabase, uniqueId } from '@app/devstack';
import { FakeClock, type Logger } from '@app/observability';
import { RunCoordinator } from './run-coordinator';
import { RunError, RunErrorCode } from './run-error';
import { RUN_PHASES, RunPhase, STEP_ATTEMPTS_MAX } from './run-phases';
import { PgRunStore, RunRecord } from './run-store';
import { PhaseExecutor, RunWorker, StepContext } from './run-worker';

const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined } as unknown as Logger;
const LEASE_MS = 10_000;

describe('invoice run state (PostgreSQL)', () => {
  let pool: Pool;
  const clock = new FakeClock(Date.UTC(2026, 11, 1));
  let store: PgRunStore;

  beforeAll(async () => {
    const url = await createTestDatabase('runs');
    await migrate(url);
    pool = new Pool({ connectionString: url, max: 8 });
    store = new PgRunStore(pool, clock);
  });
  afterAll(async () => {
    await pool?.end();
  });

  const open = (shardCount = 4) => store.openRun({ runId: uniqueId('run'), cycleId: uniqueId('cycle'), shardCount });

  it('opens one run per cycle with one step per phase, a step per shard for sharded phases; reopening finds it', async () => {
    const run = await open(3);
    const again = await store.openRun({ runId: 'another-id', cycleId: run.cycleId, shardCount: 3 });
    expect(again.id).toBe(run.id);
    const steps = await store.steps(run.id);
    const per = Object.fromEntries(RUN_PHASES.map((p) => [p, steps.filter((s) => s.phase === p).length]));
    expect(per).toEqual({ PLAN: 1, COMPUTE: 3, VALIDATE: 1, FINALIZE: 1, RENDER: 3, DELIVER: 3, REPORT: 1 });
    expect(steps.every((s) => s.status === 'PENDING' && s.attempts === 0)).toBe(true);
  });

  it.each([
    [0, RunErrorCode.INVALID_ARGUMENT],
    [1025, RunErrorCode.INVALID_ARGUMENT],
    [2.5, RunErrorCode.INVALID_ARGUMENT],
  ])('refuses %p shards', async (shardCount, code) => {
    await expect(store.openRun({ runId: uniqueId('run'), cycleId: uniqueId('c'), shardCount })).rejects.toMatchObject({ code });
  });

  it('refuses to resume a run with another shard count, and writes nothing', async () => {
    const run = await open(4);
    await expect(store.openRun({ runId: uniqueId('run'), cycleId: run.cycleId, shardCount: 5 })).rejects.toMatchObject({
      code: RunErrorCode.SHARD_COUNT_MISMATCH,
    });
    expect((await store.steps(run.id, 'COMPUTE')).length).toBe(4);
  });

  it('gives each step to one claimer only, however many claim at once', async () => {
    const run = await open(4);
    const claims = await Promise.all(
      Array.from({ length: 12 }, (_, i) => store.claim({ runId: run.id, phase: 'COMPUTE', owner: `w${i}`, leaseMs: LEASE_MS })),
    );
    const got = claims.filter((c) => c !== null).map((c) => c!.shardIndex);
    expect(got.sort()).toEqual([0, 1, 2, 3]);
  });

  it('hands a step whose lease ran out to another worker; the first can then neither renew nor complete it', async () => {
    const run = await open(1);
    const first = await store.claim({ runId: run.id, phase: 'PLAN', owner: 'a', leaseMs: LEASE_MS });
    expect(first).toMatchObject({ status: 'RUNNING', attempts: 1, leaseOwner: 'a' });
    expect(await store.claim({ runId: run.id, phase: 'PLAN', owner: 'b', leaseMs: LEASE_MS })).toBeNull();
    clock.advance(LEASE_MS + 1);
    const second = await store.claim({ runId: run.id, phase: 'PLAN', owner: 'b', leaseMs: LEASE_MS });
    expect(second).toMatchObject({ attempts: 2, leaseOwner: 'b' });
    const key = { runId: run.id, phase: 'PLAN' as RunPhase, shardIndex: 0 };
    expect(await store.heartbeat({ ...key, owner: 'a', leaseMs: LEASE_MS })).toBe(false);
    expect(await store.complete({ ...key, owner: 'a' })).toBe(false);
    expect(await store.complete({ ...key, owner: 'b' })).toBe(true);
    expect((await store.steps(run.id, 'PLAN'))[0]).toMatchObject({ status: 'DONE', leaseOwner: null });
  });

  it('gives a failed step back for another attempt, and marks it FAILED after the last one', async () => {
    const run = await open(1);
    const key = { runId: run.id, phase: 'VALIDATE' as RunPhase, shardIndex: 0 };
    for (let attempt = 1; attempt <= STEP_ATTEMPTS_MAX; attempt++) {
      const step = await store.claim({ runId: run.id, phase: 'VALIDATE', owner: 'w', leaseMs: LEASE_MS });
      expect(step?.attempts).toBe(attempt);
      const status = await store.fail({ ...key, owner: 'w', error: `boom ${attempt}` });
      expect(status).toBe(attempt < STEP_ATTEMPTS_MAX ? 'PENDING' : 'FAILED');
    }
    expect(await store.claim({ runId: run.id, phase: 'VALIDATE', owner: 'w', leaseMs: LEASE_MS })).toBeNull();
    expect((await store.steps(run.id, 'VALIDATE'))[0]).toMatchObject({ status: 'FAILED', lastError: `boom ${STEP_ATTEMPTS_MAX}` });
    // An operator re-runs the phase: fresh attempts.
    expect(await store.resetPhase({ runId: run.id, phase: 'VALIDATE' })).toEqual({ reset: 1, busy: 0 });
    expect(await store.claim({ runId: run.id, phase: 'VALIDATE', owner: 'w', leaseMs: LEASE_MS })).toMatchObject({ attempts: 1 });
  });

  it('marks FAILED a step whose worker died on its last attempt', async () => {
    const run = await open(1);
    for (let i = 0; i < STEP_ATTEMPTS_MAX; i++) {
      expect(await store.claim({ runId: run.id, phase: 'REPORT', owner: `dead${i}`, leaseMs: LEASE_MS })).not.toBeNull();
      clock.advance(LEASE_MS + 1);
    }
    expect(await store.claim({ runId: run.id, phase: 'REPORT', owner: 'w', leaseMs: LEASE_MS })).toBeNull();
    expect((await store.steps(run.id, 'REPORT'))[0]).toMatchObject({ status: 'FAILED' });
  });

  it('leaves a step running under a live lease alone when its phase is reset', async () => {
    const run = await open(2);
    await store.claim({ runId: run.id, phase: 'RENDER', owner: 'w', leaseMs: LEASE_MS, shardIndex: 1 });
    expect(await store.resetPhase({ runId: run.id, phase: 'RENDER' })).toEqual({ reset: 1, busy: 1 });
  });

  it('plans stable, disjoint, even, contiguous shards and pages through them', async () => {
    const run = await open(3);
    const ids = Array.from({ length: 10 }, (_, i) => `acct-${String(9 - i).padStart(2, '0')}`);
    expect(await store.writePlan({ runId: run.id, shardCount: 3, accountIds: ids })).toBe(10);
    expect(await store.writePlan({ runId: run.id, shardCount: 3, accountIds: ids })).toBe(0);
    const shards = await Promise.all([0, 1, 2].map((shardIndex) => store.shardAccounts({ runId: run.id, shardIndex, limit: 100 })));
    expect(shards.map((s) => s.length)).toEqual([4, 3, 3]);
    expect(shards.flat()).toEqual([...ids].sort());
    expect(shards[1]).toEqual(['acct-04', 'acct-05', 'acct-06']);
    expect(await store.shardAccounts({ runId: run.id, shardIndex: 0, after: 'acct-01', limit: 1 })).toEqual(['acct-02']);
    expect(await store.shardRange({ runId: run.id, shardIndex: 2 })).toEqual({ first: 'acct-07', last: 'acct-09', accounts: 3 });
    expect(await store.shardRange({ runId: run.id, shardIndex: 5 })).toBeNull();
  });

  it('records the usage watermarks once: a redone PLAN keeps the first ones', async () => {
    const run = await open(1);
    expect(run.usageWatermarkSeq).toBeNull();
    const first = await store.recordWatermarks({ runId: run.id, usageWatermarkSeq: 120n, previousWatermarkSeq: 40n });
    expect([first.usageWatermarkSeq, first.previousWatermarkSeq]).toEqual([120n, 40n]);
    const again = await store.recordWatermarks({ runId: run.id, usageWatermarkSeq: 180n, previousWatermarkSeq: 40n });
    expect([again.usageWatermarkSeq, again.previousWatermarkSeq]).toEqual([120n, 40n]);
    await expect(store.recordWatermarks({ runId: run.id, usageWatermarkSeq: 10n, previousWatermarkSeq: 40n })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it('orders accounts by bytes, as ClickHouse compares the range, whatever the database locale', async () => {
    const { rows } = await pool.query(
      `select collation_name from information_schema.columns where table_name = 'billing_run_account' and column_name = 'account_id'`,
    );
    expect(rows).toEqual([{ collation_name: 'C' }]);
    const run = await open(2);
    // Byte order: 'A-2' < 'B-1' < 'a-4' < 'b-3'; a locale would interleave the cases.
    await store.writePlan({ runId: run.id, shardCount: 2, accountIds: ['b-3', 'a-4', 'B-1', 'A-2'] });
    expect(await store.shardRange({ runId: run.id, shardIndex: 0 })).toEqual({ first: 'A-2', last: 'B-1', accounts: 2 });
    expect(await store.shardRange({ runId: run.id, shardIndex: 1 })).toEqual({ first: 'a-4', last: 'b-3', accounts: 2 });
    expect(await store.shardAccounts({ runId: run.id, shardIndex: 1, after: 'a-4', limit: 5 })).toEqual(['b-3']);
  });

  describe('the coordinator and its workers', () => {
    let executions: string[];
    const executors = (failOnce: Set<string>): Map<RunPhase, PhaseExecutor> =>
      new Map(
        RUN_PHASES.map((phase) => [
          phase,
          {
            phase,
            execute: async (ctx: StepContext) => {
              const key = `${ctx.step.phase}/${ctx.step.shardIndex}`;
              await ctx.progress(1, 1);
              if (failOnce.delete(key)) throw new Error(`first attempt of ${key} fails`);
              executions.push(key);
            },
          },
        ]),
      );
    const coordinator = (failOnce: Set<string>) =>
      new RunCoordinator({
        store,
        nowMs: () => clock.nowMs(),
        launchWorkers: async ({ run, phase, count, signal }) => {
          await Promise.all(
            Array.from({ length: count }, (_, i) =>
              new RunWorker({ store, executors: executors(failOnce), owner: `w${i}`, leaseMs: LEASE_MS, logger: quiet }).runPhase({
                run,
                phase,
                signal,
              }),
            ),
          );
        },
      });

    beforeEach(() => (executions = []));

    it('runs every phase in order, each step once, retries a failed step, and a second run does nothing', async () => {
      const run: RunRecord = await open(3);
      const done = await coordinator(new Set(['COMPUTE/1'])).run({ run, workers: 2, signal: new AbortController().signal });
      expect(done.status).toBe('COMPLETED');
      expect(executions.map((e) => e.split('/')[0])).toEqual([
        'PLAN',
        ...Array(3).fill('COMPUTE'),
        'VALIDATE',
        'FINALIZE',
        ...Array(3).fill('RENDER'),
        ...Array(3).fill('DELIVER'),
        'REPORT',
      ]);
      expect(new Set(executions).size).toBe(executions.length);
      expect((await store.steps(run.id, 'COMPUTE')).find((s) => s.shardIndex === 1)).toMatchObject({ status: 'DONE', attempts: 2 });

      executions = [];
      await coordinator(new Set()).run({ run, workers: 2, signal: new AbortController().signal });
      expect(executions).toEqual([]);
    });

    it('stops with STEP_FAILED, naming the shard, when a step fails every attempt', async () => {
      const run = await open(2);
      const always = new Set<string>();
      const failing = new RunCoordinator({
        store,
        nowMs: () => clock.nowMs(),
        launchWorkers: async ({ phase, signal }) => {
          const ex = executors(always);
          ex.set('COMPUTE', {
            phase: 'COMPUTE',
            execute: async (ctx) => {
              if (ctx.step.shardIndex === 1) throw new Error('ClickHouse said no');
            },
          });
          await new RunWorker({ store, executors: ex, owner: 'w', leaseMs: LEASE_MS, logger: quiet }).runPhase({ run, phase, signal });
        },
      });
      const err = await failing.run({ run, workers: 1, signal: new AbortController().signal }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RunError);
      expect(err).toMatchObject({ code: RunErrorCode.STEP_FAILED });
      expect((err as Error).message).toMatch(/COMPUTE: 1 step\(s\) failed .*shard 1: Error: ClickHouse said no/);
      expect((await store.getRun(run.id)).status).toBe('FAILED');
    });

    it('stops with WORKERS_FAILED when launched workers never claim a step, instead of launching them for ever', async () => {
      const run = await open(2);
      let launches = 0;
      const dead = new RunCoordinator({
        store,
        nowMs: () => clock.nowMs(),
        launchWorkers: async () => void launches++, // a worker that exits at once (a missing command, a bad image)
      });
      const err = await dead.run({ run, workers: 2, signal: new AbortController().signal }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: RunErrorCode.WORKERS_FAILED });
      expect((err as Error).message).toMatch(/^PLAN: 3 launches/);
      expect(launches).toBe(3);
      expect((await store.getRun(run.id)).status).toBe('FAILED');
    });
  });
});
