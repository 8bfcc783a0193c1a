/**
 * The invoicing app as a child process (apps/invoicing/src/main.ts under ts-node), for end-to-end
 * specs that kill, restart and stop it as production would. Resolves once its output says it is
 * ready; a child that exits first, or is not ready in time (it is then SIGKILLed), rejects with
 * what it printed.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const REPO_ROOT = join(__dirname, '..', '..', '..');

export interface InvoicingChild {
  child: ChildProcess;
  exited: Promise<number | null>;
  /** Everything it printed so far (stdout and stderr). */
  output: () => string;
}

export interface InvoicingStartOptions {
  env: Record<string, string>;
  /** True once the output so far shows the process ready. */
  ready: (output: string) => boolean;
  /** How long it may take (ts-node compiles on the fly on a busy machine). */
  startTimeoutMs: number;
}

export function startInvoicingProcess(o: InvoicingStartOptions): Promise<InvoicingChild> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/invoicing/src/main.ts'],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ...o.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`invoicing process not ready within ${o.startTimeoutMs} ms:\n${out}`));
    }, o.startTimeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (o.ready(out)) {
        clearTimeout(timer);
        resolve({ child, exited, output: () => out });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`invoicing process exited (${code}) before it was ready:\n${out}`));
    });
  });
}
