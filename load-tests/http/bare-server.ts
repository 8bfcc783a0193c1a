/**
 * The REST baseline: a bare node:http server answering the two provisioning routes the REST bench
 * calls with fixed JSON of the real answers' shape and size, parsing the top-up body and checking
 * the x-api-key header exists, and nothing else. What the charging app's REST layer costs beyond
 * this is its own (routing, validation, auth, PostgreSQL, Redis).
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register load-tests/http/bare-server.ts [--port 0]
 *
 *   GET  /v1/accounts/:id/balance  -> 200 balance JSON
 *   POST /v1/accounts/:id/top-ups  -> 201 top-up JSON (body must be JSON with "amount")
 */
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { Args } from '../lib/args';

/** Largest request body read, bytes (the real app's limit is larger; top-ups are tiny). */
const BODY_LIMIT_BYTES = 16 * 1024;
const BALANCE_PATH = /^\/v1\/accounts\/([A-Za-z0-9_-]{1,64})\/balance$/;
const TOP_UP_PATH = /^\/v1\/accounts\/([A-Za-z0-9_-]{1,64})\/top-ups$/;

function money(micros: string): { micros: string; formatted: string } {
  return { micros, formatted: `${(Number(micros) / 1e6).toFixed(2)} EUR` };
}

function balanceJson(accountId: string): string {
  return JSON.stringify({
    accountId,
    type: 'PREPAID',
    status: 'ACTIVE',
    currency: 'EUR',
    balance: money('1000000000'),
    reserved: money('0'),
    creditLimit: money('0'),
    available: money('1000000000'),
    buckets: [],
    reservations: [],
  });
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '';
  if (req.headers['x-api-key'] === undefined) return send(res, 401, '{"code":"UNAUTHENTICATED"}');
  const balance = req.method === 'GET' ? BALANCE_PATH.exec(url) : null;
  if (balance) return send(res, 200, balanceJson(balance[1]));
  const topUp = req.method === 'POST' ? TOP_UP_PATH.exec(url) : null;
  if (!topUp) return send(res, 404, '{"code":"NOT_FOUND"}');
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size <= BODY_LIMIT_BYTES) chunks.push(c);
  });
  req.on('end', () => {
    if (size > BODY_LIMIT_BYTES) return send(res, 413, '{"code":"PAYLOAD_TOO_LARGE"}');
    let body: { amount?: unknown };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { amount?: unknown };
    } catch {
      return send(res, 400, '{"code":"INVALID_JSON"}');
    }
    if (typeof body.amount !== 'string') return send(res, 400, '{"code":"INVALID_ARGUMENT"}');
    const key = String(req.headers['idempotency-key'] ?? '');
    send(
      res,
      201,
      JSON.stringify({
        id: `tu-${key}`,
        accountId: topUp[1],
        idempotencyKey: key,
        amount: money('10000'),
        createdAt: new Date().toISOString(),
      }),
    );
  });
}

async function main(): Promise<void> {
  const args = new Args();
  const port = args.num('port', 0);
  const host = args.str('host', '127.0.0.1');
  args.rejectUnknown();
  const server = createServer(handle);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(port, host, r));
  const addr = server.address();
  const bound = addr !== null && typeof addr === 'object' ? addr.port : port;
  process.stdout.write(`listening http://${host}:${bound} (bare node:http, pid ${process.pid})\n`);
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`bare-server: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
