/**
 * Local workers of an invoice run: `ratel invoice-run start --workers N` runs each phase's steps in N
 * child processes of the same CLI (`ratel invoice-run work ...`), the way a Kubernetes Indexed Job
 * runs them in N pods. A child that dies (a crash, SIGKILL) leaves its step under a lease that runs
 * out; the coordinator then launches workers again and another child redoes the step.
 *
 * The children are started with the parent's node options and script, get their own process group's
 * signals from the parent (SIGTERM is passed on), and their output goes to the parent's stderr.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { RunPhase } from './run-phases';
import type { RunRecord } from './run-store';

export interface LocalWorkerOptions {
  /** The command that starts the CLI: node, its flags and the script (default: this process's). */
  command?: { file: string; args: readonly string[] };
  env?: NodeJS.ProcessEnv;
  /** Where the children's output goes (default: inherit stderr, ignore stdout). */
  stdio?: 'inherit' | 'ignore';
}

/**
 * The operator CLI as a worker command for a process that is not the CLI (the invoicing API): the
 * same node and flags as this process (ts-node's hooks under `npm start`), and scripts/ratel from
 * the sources or from dist/, whichever this module was loaded from.
 */
export function ratelCliCommand(): { file: string; args: readonly string[] } {
  const compiled = !__filename.endsWith('.ts');
  const script = resolve(__dirname, '../../../../../scripts', compiled ? 'ratel.js' : 'ratel.ts');
  return { file: process.execPath, args: [...process.execArgv, script] };
}

/**
 * V8 flags of every worker process (these children, and the Kubernetes Job's pods: k8s/base/invoice-run-worker-job.yaml).
 * A larger young generation: COMPUTE allocates a page of drafts (their lines three times over: computed,
 * as documents, as COPY text) that lives until the page is written, and the default 16 MB semi-space
 * copied those survivors again and again. Measured with the month-end bench at 20,000 accounts: COMPUTE's
 * node CPU 4.2-4.4 s -> 3.5-3.7 s (load-tests/RESULTS.md). Flags the command already carries come after
 * these and win.
 */
export const WORKER_V8_FLAGS: readonly string[] = ['--max-semi-space-size=32'];

/** Launches `count` worker processes on a phase and resolves when all have exited (whatever their exit code). */
export function launchLocalWorkers(
  p: { run: RunRecord; phase: RunPhase; count: number; signal: AbortSignal },
  options: LocalWorkerOptions = {},
): Promise<void> {
  const command = options.command ?? { file: process.execPath, args: [...process.execArgv, process.argv[1]] };
  const children: ChildProcess[] = [];
  const stop = () => children.forEach((c) => c.exitCode === null && c.kill('SIGTERM'));
  p.signal.addEventListener('abort', stop, { once: true });
  for (let i = 0; i < p.count; i++) {
    const flags = command.file === process.execPath ? WORKER_V8_FLAGS : [];
    const args = [...flags, ...command.args, 'invoice-run', 'work', '--run', p.run.id, '--phase', p.phase];
    children.push(
      spawn(command.file, args, {
        env: options.env ?? process.env,
        stdio: ['ignore', options.stdio === 'ignore' ? 'ignore' : 'inherit', options.stdio ?? 'inherit'],
      }),
    );
  }
  return Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          c.once('exit', () => resolve());
          c.once('error', () => resolve());
        }),
    ),
  ).then(() => {
    p.signal.removeEventListener('abort', stop);
  });
}
