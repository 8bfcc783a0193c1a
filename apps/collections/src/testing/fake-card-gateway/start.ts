/** Starts the fake card gateway (main.ts) as a child process for a test, and its control calls. */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const REPO_ROOT = join(__dirname, '..', '..', '..', '..', '..');
/** ts-node compiles the script on start: give it time on a busy machine. */
export const FAKE_CARD_START_TIMEOUT_MS = 60_000;
export const FAKE_CARD_API_KEY = 'fake-card-key';
export const FAKE_CARD_WEBHOOK_SECRET = 'fake-webhook-secret';

export interface FakeCardState {
  createRequests: number;
  intents: { id: string; idempotencyKey: string; status: string; amountMinor: string; failureCode: string | null }[];
  events: { id: string; type: string; intentId: string }[];
  deliveries: { eventId: string; type: string; status: number | string }[];
  refunds: Record<string, unknown>[];
}

export interface FakeCardGatewayProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  state(): Promise<FakeCardState>;
  webhooks(o: { url?: string; duplicate?: boolean; outOfOrder?: boolean; delayMs?: number }): Promise<void>;
  resend(eventId: string, ageSeconds: number): Promise<void>;
  /** The issuer takes a succeeded intent's money back; a charge.dispute.lost webhook follows. */
  /** All of the intent, or `amountMinor` of it. */
  chargeback(intentId: string, reason: string, amountMinor?: bigint): Promise<void>;
  /** What a payment page would do: the card number goes to the gateway, never to Ratel. */
  tokenize(number: string): Promise<{ token: string; last4: string; brand: string }>;
  stop(): Promise<void>;
}

export async function startFakeCardGateway(env: Record<string, string> = {}): Promise<FakeCardGatewayProcess> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/collections/src/testing/fake-card-gateway/main.ts'],
    { cwd: REPO_ROOT, env: { ...process.env, FAKE_CARD_PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`fake card gateway not listening:\n${out}`)), FAKE_CARD_START_TIMEOUT_MS);
    const onData = (c: Buffer) => {
      out += c.toString();
      const m = /"msg":"fake card gateway listening","port":(\d+)/.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(() => reject(new Error(`fake card gateway exited:\n${out}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${FAKE_CARD_API_KEY}` },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`fake card gateway ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  return {
    child,
    url,
    output: () => out,
    state: async () => (await (await fetch(`${url}/control/state`)).json()) as FakeCardState,
    webhooks: async (o) => void (await post('/control/webhooks', o)),
    resend: async (eventId, ageSeconds) => void (await post('/control/resend', { eventId, ageSeconds })),
    chargeback: async (intentId, reason, amountMinor) =>
      void (await post('/control/chargeback', {
        intentId,
        reason,
        ...(amountMinor === undefined ? {} : { amountMinor: amountMinor.toString() }),
      })),
    tokenize: async (number) =>
      (await post('/v1/tokens', { number, expMonth: 12, expYear: 2030 })) as { token: string; last4: string; brand: string },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
