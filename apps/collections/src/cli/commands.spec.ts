import { Command } from 'commander';
import { runCommandLine } from '@app/runtime/cli';
import { type CollectionsActions, EXIT_REJECTED, registerCollectionsCommands } from './commands';

async function parse(argv: string[], exit = 0): Promise<{ code: number; calls: unknown[]; stderr: string }> {
  const calls: unknown[] = [];
  const actions: CollectionsActions = {
    paymentsImport: async (request) => {
      calls.push(request);
      return exit;
    },
    cardAutopay: async (request) => {
      calls.push({ autopay: request });
      return exit;
    },
    cardReconcile: async (request) => {
      calls.push({ reconcile: request });
      return exit;
    },
  };
  const program = new Command('ratel');
  let stderr = '';
  program.configureOutput({ writeErr: (t) => (stderr += t), writeOut: () => undefined });
  registerCollectionsCommands(program, actions);
  const saved = process.exitCode;
  try {
    const code = await runCommandLine(program, argv, { writeErr: (t) => (stderr += t) });
    return { code, calls, stderr };
  } finally {
    process.exitCode = saved;
  }
}

describe('ratel payments import', () => {
  it('imports the file given, with the recorded name when set, and exits with the import result', async () => {
    expect(await parse(['payments', 'import', 'stmt.xml'])).toMatchObject({ code: 0, calls: [{ file: 'stmt.xml' }] });
    expect(await parse(['payments', 'import', 'stmt.xml', '--name', 'dec.xml'])).toMatchObject({
      calls: [{ file: 'stmt.xml', name: 'dec.xml' }],
    });
    expect((await parse(['payments', 'import', 'stmt.xml'], EXIT_REJECTED)).code).toBe(EXIT_REJECTED);
  });

  it('is a usage error (2) without a file, and runs nothing', async () => {
    const r = await parse(['payments', 'import']);
    expect([r.code, r.calls, r.stderr]).toEqual([2, [], expect.stringContaining("missing required argument 'file'")]);
  });
});

describe('ratel card', () => {
  it('autopay takes the run date', async () => {
    expect(await parse(['card', 'autopay', '--date', '2026-12-03'])).toMatchObject({
      code: 0,
      calls: [{ autopay: { date: '2026-12-03' } }],
    });
  });

  it('autopay without --date is a usage error (2) and runs nothing', async () => {
    const r = await parse(['card', 'autopay']);
    expect([r.code, r.calls]).toEqual([2, []]);
  });

  it('reconcile, with --all or not', async () => {
    expect((await parse(['card', 'reconcile'])).calls).toEqual([{ reconcile: { all: false } }]);
    expect((await parse(['card', 'reconcile', '--all'])).calls).toEqual([{ reconcile: { all: true } }]);
  });
});
