/**
 * A real SMTP server (the `smtp-server` package) run as its own process for tests and local runs:
 *
 *   node -r ts-node/register/transpile-only libs/devstack/src/test-smtp-server.ts <port> <folder>
 *
 * Each message it accepts is written to `<folder>/<n>.eml` (raw, as received; written to a temporary
 * name and renamed, so a reader never sees half a file) BEFORE its 250 reply, as an MTA commits a
 * message to its queue before it answers. No TLS, no authentication.
 *
 * Holding a message, to kill a client at a chosen point: while the file `<folder>/.hold` exists and
 * holds a number N, the message that arrives once N messages were accepted is held before its reply:
 * the server writes `<folder>/.holding` and waits. If the client goes away meanwhile the message is
 * discarded (never accepted: the client got no 250); once `.hold` is removed it is accepted.
 * Prints `test smtp server listening on <port>` once it listens.
 */
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

/** Largest message accepted. */
const MESSAGE_MAX_BYTES = 30 * 1024 * 1024;
/** How often a held message looks at `.hold` and its connection. */
const HOLD_POLL_MS = 50;

function acceptedCount(folder: string): number {
  return readdirSync(folder).filter((f) => f.endsWith('.eml')).length;
}

function holdAt(folder: string): number | null {
  const path = join(folder, '.hold');
  if (!existsSync(path)) return null;
  const n = Number(readFileSync(path, 'utf8').trim());
  return Number.isInteger(n) ? n : null;
}

function main(): void {
  const port = Number(process.argv[2] ?? 0);
  const folder = process.argv[3];
  if (!folder) throw new Error('usage: test-smtp-server.ts <port> <folder>');
  const closed = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: MESSAGE_MAX_BYTES,
    logger: false,
    onClose(session) {
      closed.add(session.id);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        void (async () => {
          const n = holdAt(folder);
          if (n !== null && acceptedCount(folder) >= n) {
            writeFileSync(join(folder, '.holding'), session.id);
            while (holdAt(folder) !== null && !closed.has(session.id)) await new Promise((r) => setTimeout(r, HOLD_POLL_MS));
            if (closed.has(session.id)) {
              process.stdout.write(`discarded a held message: its client went away before the reply\n`);
              return;
            }
          }
          const name = `${String(acceptedCount(folder) + 1).padStart(6, '0')}-${session.id}.eml`;
          writeFileSync(join(folder, `${name}.tmp`), Buffer.concat(chunks));
          renameSync(join(folder, `${name}.tmp`), join(folder, name));
          callback();
        })();
      });
    },
  });
  server.listen(port, '127.0.0.1', () => {
    const addr = server.server.address();
    process.stdout.write(`test smtp server listening on ${typeof addr === 'object' && addr ? addr.port : port}\n`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (require.main === module) main();
