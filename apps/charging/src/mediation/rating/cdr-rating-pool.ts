/**
 * The piscina pool of rating workers. Size is configurable (CDR_RATING_WORKERS; the benchmark
 * compares 1 and 2). Each task is a batch of records, so messaging is paid once per batch.
 *
 * Compiled (dist/*.js), the worker is `cdr-rating.worker.js` next to this file and inherits the
 * process's `-r tsconfig-paths/register`. From TypeScript sources (ts-node, jest), the worker is
 * the `.ts` file and each thread registers ts-node (transpile only) and tsconfig-paths itself.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Piscina from 'piscina';
import { CDR_RATING_WORKERS_MAX, CDR_TASKS_IN_FLIGHT_PER_WORKER } from '../cdr.limits';
import { RatingResult, RatingTask, taskColumns } from './rating-task';

/** The repository's tsconfig.json (for worker threads running from sources). */
function findTsconfig(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'tsconfig.json')) && existsSync(join(dir, 'package.json'))) return join(dir, 'tsconfig.json');
  }
  throw new Error(`no tsconfig.json above ${from}`);
}

function workerOptions(): { filename: string; execArgv?: string[]; env?: Record<string, string | undefined> } {
  if (!__filename.endsWith('.ts')) return { filename: join(__dirname, 'cdr-rating.worker.js') };
  const hooks = ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'];
  const registered = process.execArgv.some((a) => a.includes('ts-node'));
  return {
    filename: join(__dirname, 'cdr-rating.worker.ts'),
    execArgv: registered ? process.execArgv : [...process.execArgv, ...hooks],
    env: { ...process.env, TS_NODE_PROJECT: findTsconfig(__dirname), TS_NODE_TRANSPILE_ONLY: 'true' },
  };
}

export const CDR_RATING_POOL = Symbol('CDR_RATING_POOL');

export class CdrRatingPool {
  private readonly pool: Piscina<RatingTask, RatingResult>;

  constructor(readonly workers: number) {
    if (!Number.isInteger(workers) || workers < 1 || workers > CDR_RATING_WORKERS_MAX) {
      throw new RangeError(`workers must be 1..${CDR_RATING_WORKERS_MAX}, got ${workers}`);
    }
    this.pool = new Piscina<RatingTask, RatingResult>({
      ...workerOptions(),
      name: 'default',
      minThreads: workers,
      maxThreads: workers,
      idleTimeout: Number.MAX_SAFE_INTEGER,
      // Callers keep at most tasksInFlightMax tasks outstanding; this bounds the queue anyway.
      maxQueue: workers * CDR_TASKS_IN_FLIGHT_PER_WORKER * 4,
    });
  }

  /** Tasks a caller should keep outstanding to keep every worker busy. */
  get tasksInFlightMax(): number {
    return this.workers * CDR_TASKS_IN_FLIGHT_PER_WORKER;
  }

  run(task: RatingTask): Promise<RatingResult> {
    return this.pool.run(task);
  }

  /** Resolves once every worker has loaded the rating code (start-up takes a moment from sources). */
  async warmUp(): Promise<void> {
    const empty: RatingTask = { fileId: '0'.repeat(32), unit: 'SECONDS', plans: [], routes: [], records: taskColumns([]) };
    await Promise.all(Array.from({ length: this.workers * 2 }, () => this.pool.run(empty)));
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
