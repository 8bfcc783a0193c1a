/**
 * The state of invoice runs in PostgreSQL (tables of Migration20261203000200_billing_runs). Every
 * method is one statement or one transaction, so any number of worker processes (local children or
 * Kubernetes pods) can share a run:
 *
 * - a step is claimed with `FOR UPDATE SKIP LOCKED` and a lease; the lease is renewed by the worker's
 *   heartbeat, and a step whose lease ran out (its worker was killed) can be claimed again;
 * - a step's outcome is written only by the worker that holds its lease (`lease_owner`), so a worker
 *   that lost its lease cannot mark someone else's work done;
 * - times come from the injected clock, so a test can expire a lease without waiting.
 */
import type { Pool, PoolClient } from 'pg';
import { withTransaction } from '@app/db/pg-transaction';
import type { Clock } from '@app/observability';
import { RunError, RunErrorCode } from './run-error';
import {
  RUN_PHASES,
  RUN_SHARDS_MAX,
  RunPhase,
  RunStatus,
  STEP_ATTEMPTS_MAX,
  STEP_ERROR_MAX_LENGTH,
  StepStatus,
  stepsOf,
} from './run-phases';

export interface RunRecord {
  id: string;
  cycleId: string;
  shardCount: number;
  status: RunStatus;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
  /** The rated stream's position up to which this run bills usage (set by PLAN; null before). */
  usageWatermarkSeq: bigint | null;
  /** The watermark of the run before it of the same cycle type (0 when none): late usage above it is billed now. */
  previousWatermarkSeq: bigint | null;
}

export interface StepRecord {
  runId: string;
  phase: RunPhase;
  shardIndex: number;
  status: StepStatus;
  attempts: number;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  itemsTotal: number;
  itemsDone: number;
  lastError: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** Where a phase stands: counts of its steps by status and the items they report. */
export interface PhaseProgress {
  phase: RunPhase;
  steps: number;
  pending: number;
  running: number;
  done: number;
  failed: number;
  itemsTotal: number;
  itemsDone: number;
}

export interface StepKey {
  runId: string;
  phase: RunPhase;
  shardIndex: number;
}

/** Accounts written to the plan per statement. */
export const PLAN_INSERT_BATCH_MAX = 10_000;

const STEP_COLUMNS = `run_id, phase, shard_index, status, attempts, lease_owner, lease_expires_at, items_total, items_done,
  last_error, started_at, finished_at`;

export class PgRunStore {
  constructor(
    private readonly pool: Pool,
    private readonly clock: Clock,
  ) {}

  /**
   * Opens the run of a cycle, or finds it: one run per cycle, so re-running a cycle resumes the same
   * run. Creates every phase's steps (idempotent). A second open with another shard count is refused:
   * the slices of a planned run never change.
   */
  async openRun(p: { runId: string; cycleId: string; shardCount: number }): Promise<RunRecord> {
    if (!Number.isInteger(p.shardCount) || p.shardCount < 1 || p.shardCount > RUN_SHARDS_MAX)
      throw new RunError(RunErrorCode.INVALID_ARGUMENT, `shards must be an integer from 1 to ${RUN_SHARDS_MAX}`, 'shards');
    const now = this.now();
    return withTransaction(this.pool, async (c) => {
      await c.query(
        `insert into billing_run (id, cycle_id, shard_count, status, created_at, updated_at) values ($1, $2, $3, 'RUNNING', $4, $4)
         on conflict (cycle_id) do nothing`,
        [p.runId, p.cycleId, p.shardCount, now],
      );
      const run = toRun((await c.query(`select * from billing_run where cycle_id = $1`, [p.cycleId])).rows[0]);
      if (run.shardCount !== p.shardCount)
        throw new RunError(
          RunErrorCode.SHARD_COUNT_MISMATCH,
          `the run of cycle ${p.cycleId} has ${run.shardCount} shards; it cannot be resumed with ${p.shardCount}`,
          'shards',
        );
      for (const phase of RUN_PHASES)
        await c.query(
          `insert into billing_run_step (run_id, phase, shard_index, status) select $1, $2, s, 'PENDING' from generate_series(0, $3 - 1) s
           on conflict do nothing`,
          [run.id, phase, stepsOf(phase, run.shardCount)],
        );
      return run;
    });
  }

  async getRun(runId: string): Promise<RunRecord> {
    const { rows } = await this.pool.query(`select * from billing_run where id = $1`, [runId]);
    if (rows.length === 0) throw new RunError(RunErrorCode.RUN_NOT_FOUND, `no run ${runId}`, 'runId');
    return toRun(rows[0]);
  }

  async findRunOfCycle(cycleId: string): Promise<RunRecord | null> {
    const { rows } = await this.pool.query(`select * from billing_run where cycle_id = $1`, [cycleId]);
    return rows.length === 0 ? null : toRun(rows[0]);
  }

  async steps(runId: string, phase?: RunPhase): Promise<StepRecord[]> {
    const { rows } = await this.pool.query(
      `select ${STEP_COLUMNS} from billing_run_step where run_id = $1 and ($2::text is null or phase = $2) order by phase, shard_index`,
      [runId, phase ?? null],
    );
    return rows.map(toStep);
  }

  async progress(runId: string): Promise<PhaseProgress[]> {
    const steps = await this.steps(runId);
    return RUN_PHASES.map((phase) =>
      summarize(
        phase,
        steps.filter((s) => s.phase === phase),
      ),
    );
  }

  /**
   * Claims one step of a phase that is waiting, or whose lease ran out, for `owner`: the step
   * becomes RUNNING with a lease of `leaseMs` and one more attempt. A step whose lease ran out after
   * its last allowed attempt becomes FAILED instead. `shardIndex` claims that one step only.
   */
  async claim(p: { runId: string; phase: RunPhase; owner: string; leaseMs: number; shardIndex?: number }): Promise<StepRecord | null> {
    const now = this.now();
    await this.pool.query(
      `update billing_run_step set status = 'FAILED', lease_owner = null, lease_expires_at = null,
         last_error = coalesce(last_error, 'the worker stopped renewing its lease ' || attempts || ' times'), finished_at = $3
       where run_id = $1 and phase = $2 and status = 'RUNNING' and lease_expires_at < $3 and attempts >= $4`,
      [p.runId, p.phase, now, STEP_ATTEMPTS_MAX],
    );
    const { rows } = await this.pool.query(
      `update billing_run_step s set status = 'RUNNING', attempts = s.attempts + 1, lease_owner = $3, lease_expires_at = $4,
         started_at = coalesce(s.started_at, $5), finished_at = null
       from (select run_id, phase, shard_index from billing_run_step
             where run_id = $1 and phase = $2 and ($6::int is null or shard_index = $6)
               and (status = 'PENDING' or (status = 'RUNNING' and lease_expires_at < $5)) and attempts < $7
             order by shard_index limit 1 for update skip locked) pick
       where s.run_id = pick.run_id and s.phase = pick.phase and s.shard_index = pick.shard_index
       returning ${STEP_COLUMNS.replace(/(\w+)/g, 's.$1')}`,
      [p.runId, p.phase, p.owner, new Date(now.getTime() + p.leaseMs), now, p.shardIndex ?? null, STEP_ATTEMPTS_MAX],
    );
    return rows.length === 0 ? null : toStep(rows[0]);
  }

  /** Renews the lease and records progress; false when `owner` no longer holds the step (it must stop). */
  async heartbeat(p: StepKey & { owner: string; leaseMs: number; itemsDone?: number; itemsTotal?: number }): Promise<boolean> {
    const now = this.now();
    const { rowCount } = await this.pool.query(
      `update billing_run_step set lease_expires_at = $5, items_done = coalesce($6, items_done), items_total = coalesce($7, items_total)
       where run_id = $1 and phase = $2 and shard_index = $3 and status = 'RUNNING' and lease_owner = $4`,
      [p.runId, p.phase, p.shardIndex, p.owner, new Date(now.getTime() + p.leaseMs), p.itemsDone ?? null, p.itemsTotal ?? null],
    );
    return rowCount === 1;
  }

  /** Marks the step DONE; false when `owner` had lost it (another worker redoes or did it). */
  async complete(p: StepKey & { owner: string }): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `update billing_run_step set status = 'DONE', lease_owner = null, lease_expires_at = null, last_error = null, finished_at = $5
       where run_id = $1 and phase = $2 and shard_index = $3 and status = 'RUNNING' and lease_owner = $4`,
      [p.runId, p.phase, p.shardIndex, p.owner, this.now()],
    );
    await this.touchRun(p.runId);
    return rowCount === 1;
  }

  /** Gives the step back with its error: PENDING for another attempt, FAILED after the last one. */
  async fail(p: StepKey & { owner: string; error: string }): Promise<StepStatus | null> {
    const { rows } = await this.pool.query(
      `update billing_run_step set status = case when attempts >= $6 then 'FAILED' else 'PENDING' end,
         lease_owner = null, lease_expires_at = null, last_error = $5, finished_at = case when attempts >= $6 then $7::timestamptz else null end
       where run_id = $1 and phase = $2 and shard_index = $3 and status = 'RUNNING' and lease_owner = $4
       returning status`,
      [p.runId, p.phase, p.shardIndex, p.owner, p.error.slice(0, STEP_ERROR_MAX_LENGTH), STEP_ATTEMPTS_MAX, this.now()],
    );
    await this.touchRun(p.runId);
    return rows.length === 0 ? null : (rows[0].status as StepStatus);
  }

  /**
   * Makes every step of a phase PENDING again with fresh attempts (an operator re-runs a phase, or
   * retries a FAILED one); the run is RUNNING again. Steps RUNNING under a live lease are left alone
   * and reported, so two workers never run the same shard.
   */
  async resetPhase(p: { runId: string; phase: RunPhase }): Promise<{ reset: number; busy: number }> {
    const now = this.now();
    return withTransaction(this.pool, async (c) => {
      const run = await c.query(`select id from billing_run where id = $1 for update`, [p.runId]);
      if (run.rowCount === 0) throw new RunError(RunErrorCode.RUN_NOT_FOUND, `no run ${p.runId}`, 'runId');
      const reset = await c.query(
        `update billing_run_step set status = 'PENDING', attempts = 0, lease_owner = null, lease_expires_at = null, last_error = null,
           items_done = 0, started_at = null, finished_at = null
         where run_id = $1 and phase = $2 and not (status = 'RUNNING' and lease_expires_at >= $3)`,
        [p.runId, p.phase, now],
      );
      const busy = await c.query(
        `select count(*)::int as n from billing_run_step where run_id = $1 and phase = $2 and status = 'RUNNING'`,
        [p.runId, p.phase],
      );
      await c.query(`update billing_run set status = 'RUNNING', finished_at = null, updated_at = $2 where id = $1`, [p.runId, now]);
      return { reset: reset.rowCount ?? 0, busy: busy.rows[0].n as number };
    });
  }

  async finishRun(p: { runId: string; status: Exclude<RunStatus, 'RUNNING'> }): Promise<void> {
    const now = this.now();
    await this.pool.query(`update billing_run set status = $2, finished_at = $3, updated_at = $3 where id = $1`, [p.runId, p.status, now]);
  }

  /**
   * Writes the plan: the run's accounts, each on a stable shard. Shards are contiguous ranges of the
   * sorted ids, of sizes differing by one at most, so a shard reads its usage from ClickHouse with
   * one range query and a re-plan of the same accounts gives the same slices. Idempotent.
   */
  async writePlan(p: { runId: string; shardCount: number; accountIds: readonly string[] }, client?: PoolClient): Promise<number> {
    // Byte order (ids are ASCII, so UTF-16 order is byte order), as ClickHouse compares strings; the
    // reads below say collate "C" so that PostgreSQL's locale never reorders them.
    const sorted = [...p.accountIds].sort();
    const n = sorted.length;
    let written = 0;
    for (let from = 0; from < n; from += PLAN_INSERT_BATCH_MAX) {
      const ids = sorted.slice(from, from + PLAN_INSERT_BATCH_MAX);
      const shards = ids.map((_, i) => Math.floor(((from + i) * p.shardCount) / n));
      const res = await (client ?? this.pool).query(
        `insert into billing_run_account (run_id, account_id, shard_index) select $1, a, s from unnest($2::text[], $3::int[]) as t(a, s)
         on conflict do nothing`,
        [p.runId, ids, shards],
      );
      written += res.rowCount ?? 0;
    }
    return written;
  }

  /**
   * Records the run's usage watermarks, once: a PLAN redone after a crash keeps the first ones, so
   * the run bills the same usage however often it is resumed. Returns the run as stored.
   */
  async recordWatermarks(p: { runId: string; usageWatermarkSeq: bigint; previousWatermarkSeq: bigint }): Promise<RunRecord> {
    if (p.previousWatermarkSeq < 0n || p.usageWatermarkSeq < p.previousWatermarkSeq)
      throw new RunError(RunErrorCode.INVALID_ARGUMENT, 'need 0 <= previousWatermarkSeq <= usageWatermarkSeq', 'usageWatermarkSeq');
    await this.pool.query(
      `update billing_run set usage_watermark_seq = $2, previous_watermark_seq = $3, updated_at = $4
       where id = $1 and usage_watermark_seq is null`,
      [p.runId, p.usageWatermarkSeq.toString(), p.previousWatermarkSeq.toString(), this.now()],
    );
    return this.getRun(p.runId);
  }

  /** The cycle report REPORT wrote on the run (null before), and the run-level anomalies VALIDATE found. */
  async report(runId: string): Promise<{ report: unknown; anomalies: unknown[] }> {
    const { rows } = await this.pool.query(`select report, anomalies from billing_run where id = $1`, [runId]);
    if (rows.length === 0) throw new RunError(RunErrorCode.RUN_NOT_FOUND, `no run ${runId}`, 'runId');
    return { report: rows[0].report, anomalies: rows[0].anomalies };
  }

  /** The first and last account id of a shard (null when it is empty): the range its bulk reads use. */
  async shardRange(p: { runId: string; shardIndex: number }): Promise<{ first: string; last: string; accounts: number } | null> {
    const { rows } = await this.pool.query(
      `select min(account_id collate "C") as first, max(account_id collate "C") as last, count(*)::int as n from billing_run_account
       where run_id = $1 and shard_index = $2`,
      [p.runId, p.shardIndex],
    );
    return rows[0].n === 0 ? null : { first: rows[0].first as string, last: rows[0].last as string, accounts: rows[0].n as number };
  }

  /** The accounts of one shard in id order, a page at a time (`after`: the last id of the previous page). */
  async shardAccounts(p: { runId: string; shardIndex: number; after?: string; limit: number }): Promise<string[]> {
    const { rows } = await this.pool.query(
      `select account_id from billing_run_account where run_id = $1 and shard_index = $2 and ($3::text is null or account_id collate "C" > $3)
       order by account_id collate "C" limit $4`,
      [p.runId, p.shardIndex, p.after ?? null, p.limit],
    );
    return rows.map((r) => r.account_id as string);
  }

  async countShardAccounts(p: { runId: string; shardIndex: number }): Promise<number> {
    const { rows } = await this.pool.query(`select count(*)::int as n from billing_run_account where run_id = $1 and shard_index = $2`, [
      p.runId,
      p.shardIndex,
    ]);
    return rows[0].n as number;
  }

  private async touchRun(runId: string): Promise<void> {
    await this.pool.query(`update billing_run set updated_at = $2 where id = $1`, [runId, this.now()]);
  }

  private now(): Date {
    return new Date(this.clock.nowMs());
  }
}

function summarize(phase: RunPhase, steps: readonly StepRecord[]): PhaseProgress {
  const count = (status: StepStatus) => steps.filter((s) => s.status === status).length;
  return {
    phase,
    steps: steps.length,
    pending: count('PENDING'),
    running: count('RUNNING'),
    done: count('DONE'),
    failed: count('FAILED'),
    itemsTotal: steps.reduce((n, s) => n + s.itemsTotal, 0),
    itemsDone: steps.reduce((n, s) => n + s.itemsDone, 0),
  };
}

type Row = Record<string, unknown>;

function toRun(r: Row): RunRecord {
  return {
    id: r.id as string,
    cycleId: r.cycle_id as string,
    shardCount: r.shard_count as number,
    status: r.status as RunStatus,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
    finishedAt: (r.finished_at as Date | null) ?? null,
    usageWatermarkSeq: r.usage_watermark_seq == null ? null : BigInt(r.usage_watermark_seq as string),
    previousWatermarkSeq: r.previous_watermark_seq == null ? null : BigInt(r.previous_watermark_seq as string),
  };
}

function toStep(r: Row): StepRecord {
  return {
    runId: r.run_id as string,
    phase: r.phase as RunPhase,
    shardIndex: r.shard_index as number,
    status: r.status as StepStatus,
    attempts: r.attempts as number,
    leaseOwner: (r.lease_owner as string | null) ?? null,
    leaseExpiresAt: (r.lease_expires_at as Date | null) ?? null,
    itemsTotal: Number(r.items_total),
    itemsDone: Number(r.items_done),
    lastError: (r.last_error as string | null) ?? null,
    startedAt: (r.started_at as Date | null) ?? null,
    finishedAt: (r.finished_at as Date | null) ?? null,
  };
}
