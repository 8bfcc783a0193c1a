/**
 * The delivery process (apps/invoicing/src/delivery/delivery-main.ts under ts-node) as a child, for
 * end-to-end specs that SIGKILL and restart it. Resolves once it logs `delivery running`.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const REPO_ROOT = join(__dirname, '..', '..', '..');
/** ts-node compiles on the fly on a busy machine. */
export const DELIVERY_CHILD_START_TIMEOUT_MS = 90_000;

export interface DeliveryChild {
  child: ChildProcess;
  exited: Promise<number | null>;
  output: () => string;
}

export function startDeliveryProcess(env: Record<string, string>): Promise<DeliveryChild> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/invoicing/src/delivery/delivery-main.ts'],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, DELIVERY_METRICS_PORT: '0', RATEL_LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`delivery process not ready within ${DELIVERY_CHILD_START_TIMEOUT_MS} ms:\n${out}`));
    }, DELIVERY_CHILD_START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('"msg":"delivery running"')) {
        clearTimeout(timer);
        resolve({ child, exited, output: () => out });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`delivery process exited (${code}) before it was ready:\n${out}`));
    });
  });
}

/** SIGKILLs a child that still runs (afterAll). */
export async function killIfRunning(c: DeliveryChild | undefined): Promise<void> {
  if (!c || c.child.exitCode !== null || c.child.signalCode !== null) return;
  c.child.kill('SIGKILL');
  await c.exited;
}
