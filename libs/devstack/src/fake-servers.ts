/**
 * Starters for the fake delivery servers, each its own process (never an in-process mock): the HTTP
 * SMS gateway (fake-sms-gateway.ts) and a real SMTP server writing each accepted message to a folder
 * (test-smtp-server.ts). Both run under ts-node from the repository root, on a free loopback port.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FakeSmsMessage } from './fake-sms-gateway';
import { freePort, SERVER_STOP_TIMEOUT_MS, waitForPort } from './servers';

export type { FakeSmsMessage } from './fake-sms-gateway';

const REPO_ROOT = join(__dirname, '..', '..', '..');
/** ts-node compiles the script on start: give it time on a busy machine. */
export const FAKE_SERVER_START_TIMEOUT_MS = 60_000;

export interface FakeServerProcess {
  child: ChildProcess;
  port: number;
  /** Everything it printed so far. */
  output(): string;
  stop(): Promise<void>;
}

async function startScript(script: string, args: (port: number) => string[]): Promise<FakeServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join('libs/devstack/src', script), ...args(port)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), SERVER_STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(t);
  };
  try {
    await Promise.race([
      waitForPort(port, FAKE_SERVER_START_TIMEOUT_MS),
      exited.then(() => {
        throw new Error(`${script} exited before it listened:\n${out}`);
      }),
    ]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { child, port, output: () => out, stop };
}

export interface FakeSmsGateway extends FakeServerProcess {
  /** The send endpoint (POST). */
  url: string;
  messages(): Promise<{ messages: FakeSmsMessage[]; requests: number }>;
  /** The next `count` sends answer 503. */
  failNext(count: number): Promise<void>;
}

export async function startFakeSmsGateway(): Promise<FakeSmsGateway> {
  const p = await startScript('fake-sms-gateway.ts', (port) => [String(port)]);
  const base = `http://127.0.0.1:${p.port}`;
  return {
    ...p,
    url: `${base}/messages`,
    messages: async () => (await (await fetch(`${base}/messages`)).json()) as { messages: FakeSmsMessage[]; requests: number },
    failNext: async (count) => {
      const res = await fetch(`${base}/control/fail`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ count }),
      });
      if (!res.ok) throw new Error(`fake gateway refused /control/fail: ${res.status}`);
    },
  };
}

export interface TestSmtpServer extends FakeServerProcess {
  /** smtp://127.0.0.1:<port> */
  url: string;
  folder: string;
  /** The raw messages accepted so far, in order. */
  received(): string[];
  /** Holds the message that arrives once `accepted` messages were accepted (see test-smtp-server.ts). */
  holdAfter(accepted: number): void;
  /** Whether a message is held now. */
  holding(): boolean;
  release(): void;
}

export async function startTestSmtpServer(folder: string): Promise<TestSmtpServer> {
  mkdirSync(folder, { recursive: true });
  const p = await startScript('test-smtp-server.ts', (port) => [String(port), folder]);
  return {
    ...p,
    url: `smtp://127.0.0.1:${p.port}`,
    folder,
    received: () =>
      readdirSync(folder)
        .filter((f) => f.endsWith('.eml'))
        .sort()
        .map((f) => readFileSync(join(folder, f), 'utf8')),
    holdAfter: (accepted) => writeFileSync(join(folder, '.hold'), String(accepted)),
    holding: () => readdirSync(folder).includes('.holding'),
    release: () => {
      rmSync(join(folder, '.hold'), { force: true });
      rmSync(join(folder, '.holding'), { force: true });
    },
  };
}
