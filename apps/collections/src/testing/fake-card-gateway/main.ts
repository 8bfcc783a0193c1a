/**
 * The fake card gateway as a process (tests only; see fake-card-gateway.ts for its API and magic
 * amounts):
 *
 *   FAKE_CARD_PORT=0 node -r ts-node/register/transpile-only -r tsconfig-paths/register \
 *     apps/collections/src/testing/fake-card-gateway/main.ts
 *
 * Prints one JSON line `{"msg":"fake card gateway listening","port":N}` on stdout (port 0 = any free
 * port). Env: FAKE_CARD_PORT (0), FAKE_CARD_API_KEY (fake-card-key), FAKE_CARD_WEBHOOK_SECRET
 * (fake-webhook-secret), FAKE_CARD_WEBHOOK_URL (none: set later with POST /control/webhooks),
 * FAKE_CARD_SETTLE_MS (300), FAKE_CARD_HANG_MS (120000), FAKE_CARD_WEBHOOK_MODE (comma list of
 * duplicate, out-of-order), FAKE_CARD_WEBHOOK_DELAY_MS (0: late deliveries when > 0). SIGTERM stops it.
 */
import { FakeCardGateway } from './fake-card-gateway';

const env = process.env;
const mode = new Set((env.FAKE_CARD_WEBHOOK_MODE ?? '').split(',').filter((m) => m.length > 0));
const gateway = new FakeCardGateway({
  apiKey: env.FAKE_CARD_API_KEY ?? 'fake-card-key',
  webhookSecret: env.FAKE_CARD_WEBHOOK_SECRET ?? 'fake-webhook-secret',
  webhookUrl: env.FAKE_CARD_WEBHOOK_URL ?? null,
  settleMs: Number(env.FAKE_CARD_SETTLE_MS ?? 300),
  hangMs: Number(env.FAKE_CARD_HANG_MS ?? 120_000),
  duplicate: mode.has('duplicate'),
  outOfOrder: mode.has('out-of-order'),
  delayMs: Number(env.FAKE_CARD_WEBHOOK_DELAY_MS ?? 0),
});
gateway.server.listen(Number(env.FAKE_CARD_PORT ?? 0), '127.0.0.1', () => {
  const address = gateway.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ msg: 'fake card gateway listening', port })}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.once(signal, () => {
    gateway.close();
    process.exit(0);
  });
