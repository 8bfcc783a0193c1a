/**
 * A minimal HTTP/2 client connection (RFC 9113) over one TCP socket, for gRPC unary calls only:
 * HEADERS + one DATA frame out; HEADERS, DATA and trailing HEADERS back. It exists because
 * node:http2's client streams cost about as much CPU as the grpc-js server they load (see
 * load-tests/README.md); this one keeps per-request work to a few buffer operations and writes
 * every frame produced in one event-loop turn with one socket write.
 *
 * It honours the server's MAX_CONCURRENT_STREAMS and flow-control windows, answers PING and
 * SETTINGS, keeps its receive windows open, and fails the affected streams on RST_STREAM, GOAWAY
 * or a closed socket. No server push (disabled), no priorities, no padding on send.
 */
import { connect, Socket } from 'node:net';
import { HpackDecoder, HpackEncoder } from './hpack';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const FRAME_HEADER_BYTES = 9;
const T = { DATA: 0, HEADERS: 1, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8, CONTINUATION: 9 } as const;
const F = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 } as const;
const S = { HEADER_TABLE_SIZE: 1, ENABLE_PUSH: 2, MAX_CONCURRENT_STREAMS: 3, INITIAL_WINDOW_SIZE: 4, MAX_FRAME_SIZE: 5 } as const;
/** Our receive window, per stream and for the connection (answers are small: never a limit). */
const RECEIVE_WINDOW_BYTES = 2 ** 30;
/** Connection-level bytes received before we top the window up again. */
const WINDOW_TOPUP_BYTES = 2 ** 28;
/** RFC 9113 defaults, until the server's SETTINGS say otherwise. */
const DEFAULT_WINDOW_BYTES = 65_535;
const DEFAULT_FRAME_BYTES = 16_384;
/** Stream ids are 31-bit; a connection is replaced well before it runs out. */
const STREAM_ID_MAX = 2 ** 31 - 1_000_000;
/** How long connect + the server's first SETTINGS may take. */
const CONNECT_TIMEOUT_MS = 10_000;
const RST_CANCEL = 0x8;

/** What a finished exchange looked like. */
export interface H2Outcome {
  status: number;
  grpcStatus: string | undefined;
  body: Buffer | undefined;
  error: string | undefined;
}

export type OnDone = (o: H2Outcome) => void;

interface Stream {
  id: number;
  done: OnDone;
  status: number;
  grpcStatus: string | undefined;
  chunks: Buffer[] | undefined;
  headersSeen: boolean;
}

interface Pending {
  headers: ReadonlyArray<readonly [string, string]>;
  cacheKey: string;
  data: Buffer;
  done: OnDone;
  ticket: Ticket;
}

/** A request's handle, for cancellation; `id` is 0 until the request got a stream. */
export interface Ticket {
  id: number;
  cancelled: boolean;
}

export class RawH2Connection {
  private readonly socket: Socket;
  private readonly decoder = new HpackDecoder();
  private encoder: HpackEncoder | undefined;
  private readonly streams = new Map<number, Stream>();
  private readonly waiting: Pending[] = [];
  private out: Buffer[] = [];
  private flushScheduled = false;
  private inbuf: Buffer | undefined;
  private nextId = 1;
  private maxStreams = Number.POSITIVE_INFINITY;
  private sendWindow = DEFAULT_WINDOW_BYTES; // connection level
  private peerStreamWindow = DEFAULT_WINDOW_BYTES;
  private maxFrame = DEFAULT_FRAME_BYTES;
  private receivedSinceTopup = 0;
  private headerBlock: { id: number; flags: number; parts: Buffer[] } | undefined;
  private readonly readyP: Promise<void>;
  private readyResolve!: () => void;
  private readyReject!: (e: Error) => void;
  closed = false;
  closeReason: string | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {
    this.readyP = new Promise((res, rej) => ((this.readyResolve = res), (this.readyReject = rej)));
    this.socket = connect({ host, port, noDelay: true });
    const timer = setTimeout(() => this.fail('connect timeout'), CONNECT_TIMEOUT_MS);
    void this.readyP.then(
      () => clearTimeout(timer),
      () => clearTimeout(timer),
    );
    this.socket.on('connect', () => {
      const settings = this.settingsFrame([
        [S.ENABLE_PUSH, 0],
        [S.INITIAL_WINDOW_SIZE, RECEIVE_WINDOW_BYTES],
      ]);
      this.socket.write(Buffer.concat([PREFACE, settings, this.windowUpdate(0, RECEIVE_WINDOW_BYTES - DEFAULT_WINDOW_BYTES)]));
    });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (e: NodeJS.ErrnoException) => this.fail(`socket ${e.code ?? e.message}`));
    this.socket.on('close', () => this.fail('socket closed'));
  }

  /** Resolves once the server's SETTINGS arrived (so its limits are known). */
  ready(): Promise<void> {
    return this.readyP;
  }

  /** Whether new requests should go to a fresh connection. */
  get exhausted(): boolean {
    return this.closed || this.nextId > STREAM_ID_MAX;
  }

  request(headers: ReadonlyArray<readonly [string, string]>, cacheKey: string, data: Buffer, done: OnDone): Ticket {
    const ticket: Ticket = { id: 0, cancelled: false };
    if (this.closed) {
      queueMicrotask(() => done({ status: 0, grpcStatus: undefined, body: undefined, error: this.closeReason ?? 'closed' }));
      return ticket;
    }
    const p: Pending = { headers, cacheKey, data, done, ticket };
    if (this.waiting.length > 0 || !this.canStart(data.length)) this.waiting.push(p);
    else this.start(p);
    return ticket;
  }

  /** Cancels a request: RST_STREAM(CANCEL) if it is on the wire; it completes with error "cancelled". */
  cancel(t: Ticket): void {
    if (t.cancelled) return;
    t.cancelled = true;
    const s = this.streams.get(t.id);
    if (s) {
      this.push(this.frame(T.RST_STREAM, 0, s.id, u32(RST_CANCEL)));
      this.finish(s, 'cancelled');
    }
  }

  close(): void {
    if (this.closed) return;
    this.push(this.frame(T.GOAWAY, 0, 0, Buffer.concat([u32(0), u32(0)])));
    this.flush();
    this.socket.end();
    this.fail('closed by client');
  }

  // -- sending --------------------------------------------------------------------------------

  private canStart(len: number): boolean {
    return this.encoder !== undefined && this.streams.size < this.maxStreams && len <= this.sendWindow && len <= this.peerStreamWindow;
  }

  private start(p: Pending): void {
    if (p.ticket.cancelled) return p.done({ status: 0, grpcStatus: undefined, body: undefined, error: 'cancelled' });
    const id = this.nextId;
    this.nextId += 2;
    p.ticket.id = id;
    this.streams.set(id, { id, done: p.done, status: 0, grpcStatus: undefined, chunks: undefined, headersSeen: false });
    const block = this.encoder!.encode(p.headers, p.cacheKey);
    if (block.length > this.maxFrame || p.data.length > this.maxFrame) throw new Error('request larger than one frame');
    this.push(this.frame(T.HEADERS, F.END_HEADERS, id, block));
    this.push(this.frame(T.DATA, F.END_STREAM, id, p.data));
    this.sendWindow -= p.data.length;
  }

  private drainWaiting(): void {
    while (this.waiting.length > 0 && this.canStart(this.waiting[0].data.length)) this.start(this.waiting.shift()!);
  }

  private frame(type: number, flags: number, id: number, payload: Buffer): Buffer {
    const h = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
    h.writeUIntBE(payload.length, 0, 3);
    h[3] = type;
    h[4] = flags;
    h.writeUInt32BE(id, 5);
    return payload.length === 0 ? h : Buffer.concat([h, payload], FRAME_HEADER_BYTES + payload.length);
  }

  private settingsFrame(params: Array<[number, number]>): Buffer {
    const p = Buffer.allocUnsafe(params.length * 6);
    params.forEach(([k, v], i) => (p.writeUInt16BE(k, i * 6), p.writeUInt32BE(v, i * 6 + 2)));
    return this.frame(T.SETTINGS, 0, 0, p);
  }

  private windowUpdate(id: number, inc: number): Buffer {
    return this.frame(T.WINDOW_UPDATE, 0, id, u32(inc));
  }

  /** Queues bytes; everything queued in one event-loop turn leaves in one write. */
  private push(b: Buffer): void {
    this.out.push(b);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.out.length === 0 || this.socket.destroyed) return;
    const bufs = this.out;
    this.out = [];
    this.socket.write(bufs.length === 1 ? bufs[0] : Buffer.concat(bufs));
  }

  // -- receiving ------------------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    let buf = this.inbuf ? Buffer.concat([this.inbuf, chunk]) : chunk;
    let off = 0;
    try {
      while (buf.length - off >= FRAME_HEADER_BYTES) {
        const len = buf.readUIntBE(off, 3);
        if (buf.length - off < FRAME_HEADER_BYTES + len) break;
        const type = buf[off + 3];
        const flags = buf[off + 4];
        const id = buf.readUInt32BE(off + 5) & 0x7fffffff;
        const payload = buf.subarray(off + FRAME_HEADER_BYTES, off + FRAME_HEADER_BYTES + len);
        off += FRAME_HEADER_BYTES + len;
        this.onFrame(type, flags, id, payload);
      }
    } catch (e) {
      this.fail(`protocol error: ${e instanceof Error ? e.message : String(e)}`);
      this.socket.destroy();
      return;
    }
    buf = buf.subarray(off);
    this.inbuf = buf.length > 0 ? Buffer.from(buf) : undefined;
  }

  private onFrame(type: number, flags: number, id: number, payload: Buffer): void {
    if (this.headerBlock && type !== T.CONTINUATION) throw new Error('expected CONTINUATION');
    switch (type) {
      case T.DATA:
        return this.onDataFrame(flags, id, payload);
      case T.HEADERS:
        return this.onHeadersFrame(flags, id, payload);
      case T.CONTINUATION:
        if (!this.headerBlock || this.headerBlock.id !== id) throw new Error('unexpected CONTINUATION');
        this.headerBlock.parts.push(payload);
        if (flags & F.END_HEADERS) this.endHeaderBlock();
        return;
      case T.RST_STREAM: {
        const s = this.streams.get(id);
        if (s) this.finish(s, `rst-stream ${payload.readUInt32BE(0)}`);
        return;
      }
      case T.SETTINGS:
        return this.onSettings(flags, payload);
      case T.PING:
        if ((flags & F.ACK) === 0) this.push(this.frame(T.PING, F.ACK, 0, Buffer.from(payload)));
        return;
      case T.GOAWAY:
        return this.onGoaway(payload);
      case T.WINDOW_UPDATE: {
        const inc = payload.readUInt32BE(0) & 0x7fffffff;
        if (id === 0) this.sendWindow += inc;
        this.drainWaiting();
        return;
      }
      default:
        return; // PRIORITY, unknown extension frames: ignored, as the RFC asks
    }
  }

  private onSettings(flags: number, payload: Buffer): void {
    if (flags & F.ACK) return;
    let tableSize = 4096;
    for (let i = 0; i + 6 <= payload.length; i += 6) {
      const k = payload.readUInt16BE(i);
      const v = payload.readUInt32BE(i + 2);
      if (k === S.MAX_CONCURRENT_STREAMS) this.maxStreams = v;
      else if (k === S.INITIAL_WINDOW_SIZE) this.peerStreamWindow = v;
      else if (k === S.MAX_FRAME_SIZE) this.maxFrame = v;
      else if (k === S.HEADER_TABLE_SIZE) tableSize = v;
    }
    this.push(this.frame(T.SETTINGS, F.ACK, 0, Buffer.alloc(0)));
    if (!this.encoder) {
      this.encoder = new HpackEncoder(tableSize);
      this.readyResolve();
    }
    this.drainWaiting();
  }

  private onGoaway(payload: Buffer): void {
    const last = payload.readUInt32BE(0) & 0x7fffffff;
    const code = payload.readUInt32BE(4);
    this.closeReason = `goaway ${code}`;
    for (const s of [...this.streams.values()]) if (s.id > last) this.finish(s, this.closeReason);
    this.nextId = STREAM_ID_MAX + 2; // no new streams on this connection
  }

  private onDataFrame(flags: number, id: number, payload: Buffer): void {
    let data = payload;
    if (flags & F.PADDED) data = payload.subarray(1, payload.length - payload[0]);
    this.receivedSinceTopup += payload.length;
    if (this.receivedSinceTopup >= WINDOW_TOPUP_BYTES) {
      this.push(this.windowUpdate(0, this.receivedSinceTopup));
      this.receivedSinceTopup = 0;
    }
    const s = this.streams.get(id);
    if (!s) return;
    if (data.length > 0) (s.chunks ??= []).push(data);
    if (flags & F.END_STREAM) this.finish(s, undefined);
  }

  private onHeadersFrame(flags: number, id: number, payload: Buffer): void {
    let start = 0;
    let end = payload.length;
    if (flags & F.PADDED) {
      start = 1;
      end -= payload[0];
    }
    if (flags & F.PRIORITY) start += 5;
    this.headerBlock = { id, flags, parts: [payload.subarray(start, end)] };
    if (flags & F.END_HEADERS) this.endHeaderBlock();
  }

  private endHeaderBlock(): void {
    const hb = this.headerBlock!;
    this.headerBlock = undefined;
    const block = hb.parts.length === 1 ? hb.parts[0] : Buffer.concat(hb.parts);
    // Decoded even for unknown streams: the HPACK table must see every block.
    const h = this.decoder.decode(block, 0, block.length);
    const s = this.streams.get(hb.id);
    if (!s) return;
    if (!s.headersSeen) {
      s.headersSeen = true;
      s.status = h.status;
    }
    if (h.grpcStatus !== undefined) s.grpcStatus = h.grpcStatus;
    if (hb.flags & F.END_STREAM) this.finish(s, undefined);
  }

  private finish(s: Stream, error: string | undefined): void {
    if (!this.streams.delete(s.id)) return;
    const body = s.chunks === undefined ? undefined : s.chunks.length === 1 ? s.chunks[0] : Buffer.concat(s.chunks);
    s.done({ status: s.status, grpcStatus: s.grpcStatus, body, error });
    this.drainWaiting();
  }

  private fail(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason ??= reason;
    this.readyReject(new Error(`${this.host}:${this.port}: ${reason}`));
    for (const s of [...this.streams.values()]) this.finish(s, this.closeReason);
    for (const p of this.waiting.splice(0)) p.done({ status: 0, grpcStatus: undefined, body: undefined, error: this.closeReason });
  }
}

function u32(v: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(v >>> 0, 0);
  return b;
}
