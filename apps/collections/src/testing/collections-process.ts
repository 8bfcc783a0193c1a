/**
 * The collections process (main.ts) started as a child for an end-to-end test, on port 0: resolves
 * with its base URL once it logs that it listens. Tests only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const REPO_ROOT = join(__dirname, '..', '..', '..', '..');
/** ts-node compiles the app on start: give it time on a busy machine. */
export const COLLECTIONS_START_TIMEOUT_MS = 60_000;

export interface CollectionsProcess {
  child: ChildProcess;
  base: string;
  output(): string;
  exited: Promise<number | null>;
  /** SIGKILL: a crash, nothing cleaned up. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export async function startCollectionsProcess(env: Record<string, string>): Promise<CollectionsProcess> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/collections/src/main.ts'],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, COLLECTIONS_HTTP_PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`collections not listening within ${COLLECTIONS_START_TIMEOUT_MS} ms:\n${out}`)),
      COLLECTIONS_START_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /"url":"(http:\/\/[^"]+)","msg":"collections http api listening"/.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`collections exited ${code}:\n${out}`));
    });
  });
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await exited;
  };
  return { child, base, output: () => out, exited, kill: () => end('SIGKILL'), stop: () => end('SIGTERM') };
}
