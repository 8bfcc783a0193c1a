import { Command } from 'commander';
import { runCommandLine } from '@app/runtime/cli';
import { type InvoicingActions, registerInvoicingCommands } from './commands';

/** Parses argv with recording actions: what each command would run, its exit code and stderr. */
async function parse(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; calls: unknown[]; stderr: string }> {
  const calls: unknown[] = [];
  const record = (name: string) => async (arg?: unknown) => void calls.push([name, arg]);
  const actions: InvoicingActions = {
    assurance: async (query) => {
      calls.push(['assurance', query]);
      return 0;
    },
    invoiceRunStart: record('start'),
    invoiceRunWork: record('work'),
    invoiceRunStatus: record('status'),
    invoiceRunRerun: record('rerun'),
  };
  const program = new Command('ratel');
  let stderr = '';
  program.configureOutput({ writeErr: (t) => (stderr += t), writeOut: () => undefined });
  registerInvoicingCommands(program, actions);
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const code = await runCommandLine(program, argv, { writeErr: (t) => (stderr += t) });
    return { code, calls, stderr };
  } finally {
    process.env = saved;
  }
}

describe('ratel invoice-run', () => {
  it('starts one cycle or the due ones, locally or on Kubernetes', async () => {
    expect((await parse(['invoice-run', 'start', '--cycle', 'MONTHLY_1-2026-11'])).calls).toEqual([
      ['start', { target: { cycleId: 'MONTHLY_1-2026-11' }, launcher: 'local' }],
    ]);
    expect((await parse(['invoice-run', 'start', '--due', '--workers', '4', '--shards', '16'])).calls).toEqual([
      ['start', { target: { due: true }, launcher: 'local', workers: 4, shards: 16 }],
    ]);
    expect(
      (await parse(['invoice-run', 'start', '--due', '--launcher', 'kubernetes', '--job-template', '/etc/ratel/worker-job.yaml'])).calls,
    ).toEqual([['start', { target: { due: true }, launcher: 'kubernetes', jobTemplate: '/etc/ratel/worker-job.yaml' }]]);
  });

  it('runs a worker on a phase, on the Job index shard unless --shard says otherwise', async () => {
    expect((await parse(['invoice-run', 'work', '--run', 'run-c1', '--phase', 'compute'])).calls).toEqual([
      ['work', { runId: 'run-c1', phase: 'COMPUTE' }],
    ]);
    expect((await parse(['invoice-run', 'work', '--run', 'run-c1', '--phase', 'RENDER'], { JOB_COMPLETION_INDEX: '3' })).calls).toEqual([
      ['work', { runId: 'run-c1', phase: 'RENDER', shardIndex: 3 }],
    ]);
    expect(
      (await parse(['invoice-run', 'work', '--run', 'run-c1', '--phase', 'RENDER', '--shard', '5'], { JOB_COMPLETION_INDEX: '3' })).calls,
    ).toEqual([['work', { runId: 'run-c1', phase: 'RENDER', shardIndex: 5 }]]);
  });

  it('shows a run by id or by cycle, and re-runs a phase', async () => {
    expect((await parse(['invoice-run', 'status', '--cycle', 'c1'])).calls).toEqual([['status', { cycleId: 'c1' }]]);
    expect((await parse(['invoice-run', 'status', '--run', 'run-c1'])).calls).toEqual([['status', { runId: 'run-c1' }]]);
    expect((await parse(['invoice-run', 'rerun', '--run', 'run-c1', '--phase', 'validate', '--workers', '2'])).calls).toEqual([
      ['rerun', { runId: 'run-c1', phase: 'VALIDATE', workers: 2 }],
    ]);
  });

  it.each([
    [['invoice-run', 'start'], /exactly one of --cycle and --due/],
    [['invoice-run', 'start', '--cycle', 'c1', '--due'], /exactly one of --cycle and --due/],
    [['invoice-run', 'start', '--cycle', 'c 1'], /must match/],
    [['invoice-run', 'start', '--due', '--workers', '0'], /must be an integer from 1 to 64/],
    [['invoice-run', 'start', '--due', '--shards', '1025'], /must be an integer from 1 to 1024/],
    [['invoice-run', 'start', '--due', '--launcher', 'ssh'], /Allowed choices are local, kubernetes/],
    [['invoice-run', 'start', '--due', '--launcher', 'kubernetes'], /needs --job-template/],
    [['invoice-run', 'start', '--due', '--job-template', 'x.yaml'], /goes with --launcher kubernetes/],
    [['invoice-run', 'work', '--run', 'r1'], /required option '--phase <phase>'/],
    [['invoice-run', 'work', '--run', 'r1', '--phase', 'BILL'], /must be one of PLAN, COMPUTE/],
    [['invoice-run', 'status'], /exactly one of --run and --cycle/],
    [['invoice-run', 'rerun', '--run', 'r1'], /required option '--phase <phase>'/],
  ])('refuses %j with exit code 2', async (argv, message) => {
    const r = await parse(argv);
    expect({ code: r.code, calls: r.calls }).toEqual({ code: 2, calls: [] });
    expect(r.stderr).toMatch(message);
  });

  it('refuses a JOB_COMPLETION_INDEX that is not a shard index', async () => {
    const r = await parse(['invoice-run', 'work', '--run', 'r1', '--phase', 'COMPUTE'], { JOB_COMPLETION_INDEX: 'x' });
    expect({ code: r.code, calls: r.calls }).toEqual({ code: 2, calls: [] });
    expect(r.stderr).toMatch(/JOB_COMPLETION_INDEX/);
  });
});
