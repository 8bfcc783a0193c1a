/** The CLI's local worker processes: the command line and node flags each child starts with. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchLocalWorkers, WORKER_V8_FLAGS } from './local-workers';
import type { RunRecord } from './run-store';

const run = { id: 'run-lw-1' } as RunRecord;

describe('launchLocalWorkers', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ratel-local-workers-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  // Each child writes its node flags and arguments to a file of its own, then exits.
  const recorder = `require('node:fs').writeFileSync(require('node:path').join(process.env.OUT_DIR, String(process.pid)),
    JSON.stringify({ execArgv: process.execArgv, argv: process.argv.slice(1) }))`;

  it('starts node workers with the worker V8 flags before their own, on the given run and phase', async () => {
    await launchLocalWorkers(
      { run, phase: 'COMPUTE', count: 2, signal: new AbortController().signal },
      { command: { file: process.execPath, args: ['--max-semi-space-size=8', '-e', recorder] }, env: { ...process.env, OUT_DIR: dir } },
    );
    const seen = readdirSync(dir).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
    expect(seen).toHaveLength(2);
    for (const child of seen) {
      // The command's own flag comes after the worker flags: node takes the last, so an operator's flag wins.
      expect(child.execArgv.slice(0, WORKER_V8_FLAGS.length)).toEqual([...WORKER_V8_FLAGS]);
      expect(child.execArgv).toContain('--max-semi-space-size=8');
      expect(child.argv).toEqual(['invoice-run', 'work', '--run', 'run-lw-1', '--phase', 'COMPUTE']);
    }
  });
});
