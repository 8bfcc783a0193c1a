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
    paymentsWatch: async (request) => {
      calls.push({ paymentsWatch: request });
      return exit;
    },
    ledgerCheck: async (request) => {
      calls.push({ ledgerCheck: request });
      return exit;
    },
    erpExport: async (request) => {
      calls.push({ erpExport: request });
      return exit;
    },
    directDebitRun: async (request) => {
      calls.push({ directDebitRun: request });
      return exit;
    },
    directDebitSettle: async (request) => {
      calls.push({ directDebitSettle: request });
      return exit;
    },
    directDebitReturns: async (request) => {
      calls.push({ directDebitReturns: request });
      return exit;
    },
    dunningRun: async (request) => {
      calls.push({ dunningRun: request });
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

  it('watches a folder, or scans it once, at the interval given', async () => {
    expect(await parse(['payments', 'watch', '--dir', '/in'])).toMatchObject({
      code: 0,
      calls: [{ paymentsWatch: { dir: '/in', once: false, intervalMs: 10_000 } }],
    });
    expect(await parse(['payments', 'watch', '--dir', '/in', '--once', '--interval-ms', '500'])).toMatchObject({
      calls: [{ paymentsWatch: { dir: '/in', once: true, intervalMs: 500 } }],
    });
    for (const argv of [
      ['payments', 'watch'],
      ['payments', 'watch', '--dir', '/in', '--interval-ms', '5'],
    ]) {
      const r = await parse(argv);
      expect([argv, r.code, r.calls]).toEqual([argv, 2, []]);
    }
  });

  it('is a usage error (2) without a file, and runs nothing', async () => {
    const r = await parse(['payments', 'import']);
    expect([r.code, r.calls, r.stderr]).toEqual([2, [], expect.stringContaining("missing required argument 'file'")]);
  });
});

describe('ratel ledger check', () => {
  it('checks every account, or one, and exits with the result', async () => {
    expect(await parse(['ledger', 'check'])).toMatchObject({ code: 0, calls: [{ ledgerCheck: {} }] });
    expect(await parse(['ledger', 'check', '--account', 'acc-1'], EXIT_REJECTED)).toMatchObject({
      code: EXIT_REJECTED,
      calls: [{ ledgerCheck: { accountId: 'acc-1' } }],
    });
  });
});

describe('ratel erp export', () => {
  it('exports the day as CSV by default, or JSON to a file', async () => {
    expect(await parse(['erp', 'export', '--day', '2026-12-01'])).toMatchObject({
      code: 0,
      calls: [{ erpExport: { day: '2026-12-01', format: 'csv' } }],
    });
    expect(await parse(['erp', 'export', '--day', '2026-12-01', '--format', 'json', '--out', 'j.json'])).toMatchObject({
      calls: [{ erpExport: { day: '2026-12-01', format: 'json', out: 'j.json' } }],
    });
  });

  it('is a usage error (2) without a day, and runs nothing', async () => {
    const r = await parse(['erp', 'export']);
    expect([r.code, r.calls, r.stderr]).toEqual([2, [], expect.stringContaining("required option '--day <YYYY-MM-DD>'")]);
  });
});

describe('ratel direct-debit', () => {
  it('runs, settles and imports returns', async () => {
    expect((await parse(['direct-debit', 'run', '--date', '2026-12-05', '--out', 'f.xml'])).calls).toEqual([
      { directDebitRun: { date: '2026-12-05', out: 'f.xml' } },
    ]);
    expect((await parse(['direct-debit', 'settle', '--date', '2026-12-05'])).calls).toEqual([
      { directDebitSettle: { date: '2026-12-05' } },
    ]);
    expect((await parse(['direct-debit', 'returns', 'r.xml'], EXIT_REJECTED)).code).toBe(EXIT_REJECTED);
  });
  it('is a usage error (2) without a date', async () => {
    expect((await parse(['direct-debit', 'run'])).code).toBe(2);
  });
});

describe('ratel dunning run', () => {
  it('evaluates today, or the day given', async () => {
    expect((await parse(['dunning', 'run'])).calls).toEqual([{ dunningRun: {} }]);
    expect((await parse(['dunning', 'run', '--date', '2026-12-20'])).calls).toEqual([{ dunningRun: { date: '2026-12-20' } }]);
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
