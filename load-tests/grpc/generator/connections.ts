/**
 * The two HTTP/2 clients the generator can use, behind one small interface:
 *  - `raw` (default): ./h2-raw.ts, a minimal HTTP/2 framer on a TCP socket;
 *  - `node`: node:http2 client sessions, the ordinary Node way, kept to show what it costs.
 * Both send the same pre-encoded gRPC frame with the same headers, and both re-open a connection
 * the server closed.
 */
import * as http2 from 'node:http2';
import { connect as tcpConnect } from 'node:net';
import { METHOD_NAMES, methodPath } from '../charging-api';
import { H2Outcome, OnDone, RawH2Connection, Ticket } from './h2-raw';

export type ClientKind = 'raw' | 'node';

/** Opaque handle of a request in flight, for cancellation. */
export type Handle = Ticket | http2.ClientHttp2Stream;

export interface GrpcConnection {
  send(method: number, frame: Buffer, done: OnDone): Handle;
  cancel(h: Handle): void;
  ready(): Promise<void>;
  close(): void;
}

/** Per-session memory nghttp2 may use before refusing streams, MB (default 10 is tight at 1k streams). */
const SESSION_MEMORY_MB = 64;
/** HTTP/2 stream-level receive window of the node client; answers are small. */
const STREAM_WINDOW_BYTES = 1 << 20;

function requestHeaders(target: string): Array<ReadonlyArray<readonly [string, string]>> {
  return METHOD_NAMES.map(
    (m) =>
      [
        [':method', 'POST'],
        [':scheme', 'http'],
        [':path', methodPath(m)],
        [':authority', target],
        ['content-type', 'application/grpc'],
        ['te', 'trailers'],
      ] as const,
  );
}

class RawConnection implements GrpcConnection {
  private conn: RawH2Connection;
  private readonly headers: Array<ReadonlyArray<readonly [string, string]>>;
  private readonly keys = METHOD_NAMES.map((_, i) => String(i));

  constructor(
    private readonly host: string,
    private readonly port: number,
    target: string,
    private readonly onEvent: (k: string) => void,
  ) {
    this.headers = requestHeaders(target);
    this.conn = new RawH2Connection(host, port);
  }

  send(method: number, frame: Buffer, done: OnDone): Handle {
    if (this.conn.exhausted) {
      this.onEvent(`reconnect (${this.conn.closeReason ?? 'stream ids used up'})`);
      this.conn = new RawH2Connection(this.host, this.port);
    }
    return this.conn.request(this.headers[method], this.keys[method], frame, done);
  }

  cancel(h: Handle): void {
    this.conn.cancel(h as Ticket);
  }

  ready(): Promise<void> {
    return this.conn.ready();
  }

  close(): void {
    this.conn.close();
  }
}

class NodeConnection implements GrpcConnection {
  private session: http2.ClientHttp2Session;
  private readonly headers: http2.OutgoingHttpHeaders[];

  constructor(
    private readonly host: string,
    private readonly port: number,
    target: string,
    private readonly onEvent: (k: string) => void,
  ) {
    this.headers = requestHeaders(target).map((list) => Object.fromEntries(list.filter(([k]) => k !== ':scheme')));
    this.session = this.open();
  }

  private open(): http2.ClientHttp2Session {
    const s = http2.connect(`http://${this.host}:${this.port}`, {
      createConnection: () => tcpConnect({ host: this.host, port: this.port, noDelay: true }),
      settings: { enablePush: false, initialWindowSize: STREAM_WINDOW_BYTES },
      maxSessionMemory: SESSION_MEMORY_MB,
    });
    s.on('error', (e: NodeJS.ErrnoException) => this.onEvent(`session error ${e.code ?? e.message}`));
    s.on('goaway', (code) => this.onEvent(`goaway ${code}`));
    return s;
  }

  send(method: number, frame: Buffer, done: OnDone): Handle {
    if (this.session.closed || this.session.destroyed) {
      this.onEvent('reconnect');
      this.session = this.open();
    }
    const o: H2Outcome = { status: 0, grpcStatus: undefined, body: undefined, error: undefined };
    const chunks: Buffer[] = [];
    const req = this.session.request(this.headers[method]);
    req.on('response', (h) => {
      o.status = h[':status'] ?? 0;
      if (h['grpc-status'] !== undefined) o.grpcStatus = String(h['grpc-status']);
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('trailers', (t) => {
      if (t['grpc-status'] !== undefined) o.grpcStatus = String(t['grpc-status']);
    });
    req.on('error', (e: NodeJS.ErrnoException) => (o.error = e.code ?? e.message));
    req.on('close', () => {
      o.body = chunks.length === 0 ? undefined : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      done(o);
    });
    req.end(frame);
    return req;
  }

  cancel(h: Handle): void {
    (h as http2.ClientHttp2Stream).close(http2.constants.NGHTTP2_CANCEL);
  }

  ready(): Promise<void> {
    const s = this.session;
    if (!s.connecting) return Promise.resolve();
    return new Promise((resolve, reject) => {
      s.once('connect', () => resolve());
      s.once('error', reject);
    });
  }

  close(): void {
    this.session.close();
  }
}

export function openConnection(kind: ClientKind, host: string, port: number, target: string, onEvent: (k: string) => void): GrpcConnection {
  return kind === 'raw' ? new RawConnection(host, port, target, onEvent) : new NodeConnection(host, port, target, onEvent);
}
