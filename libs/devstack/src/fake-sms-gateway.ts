/**
 * A fake HTTP SMS gateway, run as its own process for tests and local runs (never in-process):
 *
 *   node -r ts-node/register/transpile-only libs/devstack/src/fake-sms-gateway.ts <port>
 *
 * - POST /messages {from, to, text} with an `Idempotency-Key` header: 201 {id} and the message is
 *   recorded; the same key again answers 200 with the first id and records nothing (de-duplication
 *   for the life of the process); no key is 400.
 * - POST /control/fail {count}: the next `count` sends answer 503 (and record nothing).
 * - GET /messages: {messages, requests}: what was recorded, and how many sends were asked for.
 * - GET /healthz: 200.
 * Prints `fake sms gateway listening on <port>` once it listens.
 */
import { createServer, IncomingMessage, ServerResponse } from 'node:http';

/** Largest request body accepted. */
const REQUEST_MAX_BYTES = 64 * 1024;

export interface FakeSmsMessage {
  id: string;
  idempotencyKey: string;
  from: string;
  to: string;
  text: string;
  receivedAtMs: number;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > REQUEST_MAX_BYTES) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function main(): void {
  const port = Number(process.argv[2] ?? process.env.FAKE_SMS_PORT ?? 0);
  const messages: FakeSmsMessage[] = [];
  const byKey = new Map<string, FakeSmsMessage>();
  let requests = 0;
  let failNext = 0;

  const server = createServer((req, res) => {
    void (async () => {
      try {
        if (req.method === 'GET' && req.url === '/healthz') return reply(res, 200, { ok: true });
        if (req.method === 'GET' && req.url === '/messages') return reply(res, 200, { messages, requests });
        if (req.method === 'POST' && req.url === '/control/fail') {
          const { count } = JSON.parse(await readBody(req)) as { count?: unknown };
          if (!Number.isInteger(count) || (count as number) < 0) return reply(res, 400, { error: 'count must be a non-negative integer' });
          failNext = count as number;
          return reply(res, 200, { failNext });
        }
        if (req.method === 'POST' && req.url === '/messages') {
          requests++;
          const body = await readBody(req);
          const key = req.headers['idempotency-key'];
          if (typeof key !== 'string' || key.length === 0) return reply(res, 400, { error: 'Idempotency-Key header required' });
          if (failNext > 0) {
            failNext--;
            return reply(res, 503, { error: 'told to fail' });
          }
          const seen = byKey.get(key);
          if (seen) return reply(res, 200, { id: seen.id, duplicate: true });
          const m = JSON.parse(body) as { from?: unknown; to?: unknown; text?: unknown };
          if (typeof m.to !== 'string' || typeof m.text !== 'string') return reply(res, 400, { error: 'to and text are required' });
          const msg: FakeSmsMessage = {
            id: `sms-${messages.length + 1}`,
            idempotencyKey: key,
            from: typeof m.from === 'string' ? m.from : '',
            to: m.to,
            text: m.text,
            receivedAtMs: Date.now(),
          };
          messages.push(msg);
          byKey.set(key, msg);
          return reply(res, 201, { id: msg.id });
        }
        reply(res, 404, { error: 'not found' });
      } catch (err) {
        reply(res, 400, { error: err instanceof Error ? err.message : String(err) });
      }
    })();
  });
  server.listen(port, '127.0.0.1', () => {
    const addr = server.address();
    process.stdout.write(`fake sms gateway listening on ${typeof addr === 'object' && addr ? addr.port : port}\n`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (require.main === module) main();
