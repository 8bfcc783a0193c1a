/**
 * A stand-in for charging's provisioning API in collections' tests, run as a SEPARATE process
 * (`node -r ts-node/register/transpile-only apps/collections/src/testing/fake-charging.ts`): it answers
 * POST /v1/accounts/{id}/soft-bar, /bar and /unbar with 200 (401 without the x-api-key FAKE_CHARGING_KEY, 503 for
 * the accounts listed in the file FAKE_CHARGING_FAIL_FILE, re-read on each call), records every call,
 * and serves them on GET /calls. It prints `listening <port>` on stdout. Never used in production.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const key = process.env.FAKE_CHARGING_KEY ?? 'fake-key';
const failFile = process.env.FAKE_CHARGING_FAIL_FILE;
const calls: { accountId: string; what: string; status: number; at: number }[] = [];
const STATUS_AFTER: Record<string, string> = { 'soft-bar': 'SOFT_BARRED', bar: 'BARRED', unbar: 'ACTIVE' };

const server = createServer((req, res) => {
  const m = /^\/v1\/accounts\/([^/]+)\/(soft-bar|bar|unbar)$/.exec(req.url ?? '');
  if (req.method === 'GET' && req.url === '/calls') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(calls));
    return;
  }
  if (req.method !== 'POST' || m === null) {
    res.writeHead(404).end();
    return;
  }
  const accountId = decodeURIComponent(m[1]);
  const failing = failFile !== undefined && existsSync(failFile) ? readFileSync(failFile, 'utf8').split('\n') : [];
  const status = req.headers['x-api-key'] !== key ? 401 : failing.includes(accountId) ? 503 : 200;
  calls.push({ accountId, what: m[2], status, at: Date.now() });
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ id: accountId, status: STATUS_AFTER[m[2]] }));
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address !== null ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
