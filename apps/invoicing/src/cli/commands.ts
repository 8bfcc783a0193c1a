/**
 * The invoicing app's commands of the operator CLI (`ratel <command>`, scripts/ratel.ts):
 *
 *   ratel assurance --from DATE --to DATE [--account ID]
 *   ratel invoice-run start (--cycle ID | --due) [--workers N] [--shards N] [--launcher local|kubernetes --job-template FILE]
 *   ratel invoice-run work --run ID --phase PHASE [--shard I]     (one worker; in a Job, the shard is JOB_COMPLETION_INDEX)
 *   ratel invoice-run status (--run ID | --cycle ID)
 *   ratel invoice-run rerun --run ID --phase PHASE [--workers N]  (the phase and those after it again)
 *
 * Declared here (options, help); each action loads what it runs (NATS, ClickHouse) when it runs.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { UsageError } from '@app/runtime/cli';
import type { RawQuery } from '../api/query-params';
import { RUN_WORKERS_MAX } from '../billing/run/run-config';
import { isRunPhase, RUN_PHASES, RUN_SHARDS_MAX, type RunPhase } from '../billing/run/run-phases';

/** Exit code of `assurance` when the report lists differences (0: none, 1: failure, 2: bad usage). */
export const EXIT_DIFFERENCES = 3;

/** Where `invoice-run start` runs the workers of each phase. */
export const RUN_LAUNCHERS = ['local', 'kubernetes'] as const;
export type RunLauncher = (typeof RUN_LAUNCHERS)[number];

export interface InvoiceRunStart {
  /** One cycle, or every cycle due (CLOSED and not yet billed). */
  target: { cycleId: string } | { due: true };
  workers?: number;
  shards?: number;
  launcher: RunLauncher;
  jobTemplate?: string;
}

export interface InvoiceRunWork {
  runId: string;
  phase: RunPhase;
  shardIndex?: number;
}

export type InvoiceRunTarget = { runId: string } | { cycleId: string };

/** What the commands run; a spec replaces them to test the parsing alone. */
export interface InvoicingActions {
  /** The reconciliation with the HTTP query's parameters; resolves to the exit code. */
  assurance(query: RawQuery): Promise<number>;
  invoiceRunStart(request: InvoiceRunStart): Promise<void>;
  invoiceRunWork(request: InvoiceRunWork): Promise<void>;
  invoiceRunStatus(target: InvoiceRunTarget): Promise<void>;
  invoiceRunRerun(request: { runId: string; phase: RunPhase; workers?: number }): Promise<void>;
}

const invoiceRun = () => import('./invoice-run');

export const invoicingActions: InvoicingActions = {
  assurance: async (query) => (await import('../assurance/run-assurance')).runAssurance(query),
  invoiceRunStart: async (request) => (await invoiceRun()).runInvoiceRunStart(request),
  invoiceRunWork: async (request) => (await invoiceRun()).runInvoiceRunWork(request),
  invoiceRunStatus: async (target) => (await invoiceRun()).runInvoiceRunStatus(target),
  invoiceRunRerun: async (request) => (await invoiceRun()).runInvoiceRunRerun(request),
};

function integer(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^[0-9]+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
    return n;
  };
}

function phase(value: string): RunPhase {
  const upper = value.toUpperCase();
  if (!isRunPhase(upper)) throw new InvalidArgumentError(`must be one of ${RUN_PHASES.join(', ')}`);
  return upper;
}

/** Run and cycle ids: the run store's keys (varchar(64)), letters, digits, '-', '_' and '.'. */
export const RUN_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

function id(value: string): string {
  if (!RUN_ID_PATTERN.test(value)) throw new InvalidArgumentError(`must match ${RUN_ID_PATTERN.source}`);
  return value;
}

function registerInvoiceRun(program: Command, actions: InvoicingActions): void {
  const run = program
    .command('invoice-run')
    .description('the month-end invoice run of a closed billing cycle: plan, compute, validate, finalize, render, deliver, report')
    .addHelpText(
      'after',
      '\nEnvironment: DATABASE_URL, NATS_URL, CLICKHOUSE_URL, CLICKHOUSE_DATABASE, SINK_STREAM, SINK_CONSUMER, INVOICE_RUN_* ' +
        '(apps/invoicing/README.md, "Invoice run").\nExit codes: 0 done, 1 failure (a step failed every attempt, a server unreachable), ' +
        '2 bad usage or configuration.',
    );
  run
    .command('start')
    .description('runs (or resumes) the invoice run of a cycle, phase by phase, with N workers per sharded phase; a progress bar per phase')
    .option('--cycle <id>', 'the billing cycle to bill (CLOSED)', id)
    .option('--due', 'every CLOSED cycle not yet billed, oldest first')
    .option(
      '--workers <n>',
      `worker processes (or pods) per sharded phase, 1-${RUN_WORKERS_MAX} (default INVOICE_RUN_WORKERS)`,
      integer(1, RUN_WORKERS_MAX),
    )
    .option(
      '--shards <n>',
      `shards of a new run, 1-${RUN_SHARDS_MAX} (default INVOICE_RUN_SHARDS; a resumed run keeps its own)`,
      integer(1, RUN_SHARDS_MAX),
    )
    .addOption(new Option('--launcher <where>', 'where the workers run').choices([...RUN_LAUNCHERS]).default('local'))
    .option('--job-template <file>', 'with --launcher kubernetes: the worker Job template (k8s/base/invoice-run-worker-job.yaml)')
    .action(
      async (o: { cycle?: string; due?: boolean; workers?: number; shards?: number; launcher: RunLauncher; jobTemplate?: string }) => {
        if ((o.cycle === undefined) === (o.due !== true)) throw new UsageError('give exactly one of --cycle and --due');
        if (o.launcher === 'kubernetes' && o.jobTemplate === undefined) throw new UsageError('--launcher kubernetes needs --job-template');
        if (o.launcher === 'local' && o.jobTemplate !== undefined) throw new UsageError('--job-template goes with --launcher kubernetes');
        await actions.invoiceRunStart({
          target: o.cycle === undefined ? { due: true } : { cycleId: o.cycle },
          launcher: o.launcher,
          ...(o.workers === undefined ? {} : { workers: o.workers }),
          ...(o.shards === undefined ? {} : { shards: o.shards }),
          ...(o.jobTemplate === undefined ? {} : { jobTemplate: o.jobTemplate }),
        });
      },
    );
  run
    .command('work')
    .description('one worker: claims and runs steps of one phase of a run until none is left (what start launches, and each Job pod runs)')
    .requiredOption('--run <id>', 'the run', id)
    .requiredOption('--phase <phase>', `one of ${RUN_PHASES.join(', ')}`, phase)
    .option('--shard <i>', `only this shard (default: JOB_COMPLETION_INDEX when set, else any)`, integer(0, RUN_SHARDS_MAX - 1))
    .action(async (o: { run: string; phase: RunPhase; shard?: number }) => {
      const fromJob = process.env.JOB_COMPLETION_INDEX;
      let shardIndex = o.shard;
      if (shardIndex === undefined && fromJob !== undefined && fromJob !== '') {
        if (!/^[0-9]+$/.test(fromJob) || Number(fromJob) >= RUN_SHARDS_MAX) throw new UsageError(`JOB_COMPLETION_INDEX: not a shard index`);
        shardIndex = Number(fromJob);
      }
      await actions.invoiceRunWork({ runId: o.run, phase: o.phase, ...(shardIndex === undefined ? {} : { shardIndex }) });
    });
  run
    .command('status')
    .description('prints a run as JSON: its status, watermarks, and each phase and shard with its progress and last error')
    .option('--run <id>', 'the run', id)
    .option('--cycle <id>', 'the run of this cycle', id)
    .action(async (o: { run?: string; cycle?: string }) => {
      if ((o.run === undefined) === (o.cycle === undefined)) throw new UsageError('give exactly one of --run and --cycle');
      await actions.invoiceRunStatus(o.run === undefined ? { cycleId: o.cycle! } : { runId: o.run });
    });
  run
    .command('rerun')
    .description(
      'runs a phase again (and every phase after it), e.g. after fixing what made it fail; steps under a live lease are left to their worker',
    )
    .requiredOption('--run <id>', 'the run', id)
    .requiredOption('--phase <phase>', `one of ${RUN_PHASES.join(', ')}`, phase)
    .option('--workers <n>', `worker processes per sharded phase, 1-${RUN_WORKERS_MAX}`, integer(1, RUN_WORKERS_MAX))
    .action(async (o: { run: string; phase: RunPhase; workers?: number }) => {
      await actions.invoiceRunRerun({ runId: o.run, phase: o.phase, ...(o.workers === undefined ? {} : { workers: o.workers }) });
    });
}

export function registerInvoicingCommands(program: Command, actions: InvoicingActions = invoicingActions): void {
  program
    .command('assurance')
    .description(
      'revenue assurance: compare the events published on the rated stream with ClickHouse for a period (by event time); ' +
        'prints the report as JSON, with every difference and the late arrivals',
    )
    .requiredOption('--from <date>', 'start (inclusive): YYYY-MM-DD or ISO 8601 date-time')
    .requiredOption('--to <date>', 'end (exclusive), at most 92 days after --from')
    .option('--account <id>', 'only this billing account (only its subject is read)')
    .addHelpText(
      'after',
      '\nEnvironment: NATS_URL, CLICKHOUSE_URL, CLICKHOUSE_DATABASE, SINK_STREAM, ASSURANCE_* (see apps/invoicing/README.md).' +
        `\nExit codes: 0 no difference, ${EXIT_DIFFERENCES} differences found, 1 failure (NATS/ClickHouse unavailable, a bound exceeded),` +
        ' 2 bad usage or configuration.',
    )
    .action(async (o: { from: string; to: string; account?: string }) => {
      const query: RawQuery = { from: o.from, to: o.to, ...(o.account === undefined ? {} : { accountId: o.account }) };
      const code = await actions.assurance(query);
      if (code !== 0) process.exitCode = code;
    });
  registerInvoiceRun(program, actions);
}
