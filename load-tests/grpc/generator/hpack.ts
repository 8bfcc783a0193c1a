/**
 * Just enough HPACK (RFC 7541) for a load generator's HTTP/2 client: a complete decoder (static
 * and dynamic table, Huffman) for the server's response headers and trailers, and a small encoder
 * that indexes each request header once per connection and then sends one byte per header, as
 * ordinary HTTP/2 clients do.
 */

/** HPACK Huffman code of each symbol 0..256 (RFC 7541, Appendix B). */
const HUFFMAN_CODES = [
  0x1ff8, 0x7fffd8, 0xfffffe2, 0xfffffe3, 0xfffffe4, 0xfffffe5, 0xfffffe6, 0xfffffe7, 0xfffffe8, 0xffffea, 0x3ffffffc, 0xfffffe9, 0xfffffea,
  0x3ffffffd, 0xfffffeb, 0xfffffec, 0xfffffed, 0xfffffee, 0xfffffef, 0xffffff0, 0xffffff1, 0xffffff2, 0x3ffffffe, 0xffffff3, 0xffffff4,
  0xffffff5, 0xffffff6, 0xffffff7, 0xffffff8, 0xffffff9, 0xffffffa, 0xffffffb, 0x14, 0x3f8, 0x3f9, 0xffa, 0x1ff9, 0x15, 0xf8, 0x7fa, 0x3fa,
  0x3fb, 0xf9, 0x7fb, 0xfa, 0x16, 0x17, 0x18, 0x0, 0x1, 0x2, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x5c, 0xfb, 0x7ffc, 0x20, 0xffb,
  0x3fc, 0x1ffa, 0x21, 0x5d, 0x5e, 0x5f, 0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
  0x70, 0x71, 0x72, 0xfc, 0x73, 0xfd, 0x1ffb, 0x7fff0, 0x1ffc, 0x3ffc, 0x22, 0x7ffd, 0x3, 0x23, 0x4, 0x24, 0x5, 0x25, 0x26, 0x27, 0x6, 0x74,
  0x75, 0x28, 0x29, 0x2a, 0x7, 0x2b, 0x76, 0x2c, 0x8, 0x9, 0x2d, 0x77, 0x78, 0x79, 0x7a, 0x7b, 0x7ffe, 0x7fc, 0x3ffd, 0x1ffd, 0xffffffc,
  0xfffe6, 0x3fffd2, 0xfffe7, 0xfffe8, 0x3fffd3, 0x3fffd4, 0x3fffd5, 0x7fffd9, 0x3fffd6, 0x7fffda, 0x7fffdb, 0x7fffdc, 0x7fffdd, 0x7fffde,
  0xffffeb, 0x7fffdf, 0xffffec, 0xffffed, 0x3fffd7, 0x7fffe0, 0xffffee, 0x7fffe1, 0x7fffe2, 0x7fffe3, 0x7fffe4, 0x1fffdc, 0x3fffd8,
  0x7fffe5, 0x3fffd9, 0x7fffe6, 0x7fffe7, 0xffffef, 0x3fffda, 0x1fffdd, 0xfffe9, 0x3fffdb, 0x3fffdc, 0x7fffe8, 0x7fffe9, 0x1fffde, 0x7fffea,
  0x3fffdd, 0x3fffde, 0xfffff0, 0x1fffdf, 0x3fffdf, 0x7fffeb, 0x7fffec, 0x1fffe0, 0x1fffe1, 0x3fffe0, 0x1fffe2, 0x7fffed, 0x3fffe1,
  0x7fffee, 0x7fffef, 0xfffea, 0x3fffe2, 0x3fffe3, 0x3fffe4, 0x7ffff0, 0x3fffe5, 0x3fffe6, 0x7ffff1, 0x3ffffe0, 0x3ffffe1, 0xfffeb, 0x7fff1,
  0x3fffe7, 0x7ffff2, 0x3fffe8, 0x1ffffec, 0x3ffffe2, 0x3ffffe3, 0x3ffffe4, 0x7ffffde, 0x7ffffdf, 0x3ffffe5, 0xfffff1, 0x1ffffed, 0x7fff2,
  0x1fffe3, 0x3ffffe6, 0x7ffffe0, 0x7ffffe1, 0x3ffffe7, 0x7ffffe2, 0xfffff2, 0x1fffe4, 0x1fffe5, 0x3ffffe8, 0x3ffffe9, 0xffffffd, 0x7ffffe3,
  0x7ffffe4, 0x7ffffe5, 0xfffec, 0xfffff3, 0xfffed, 0x1fffe6, 0x3fffe9, 0x1fffe7, 0x1fffe8, 0x7ffff3, 0x3fffea, 0x3fffeb, 0x1ffffee,
  0x1ffffef, 0xfffff4, 0xfffff5, 0x3ffffea, 0x7ffff4, 0x3ffffeb, 0x7ffffe6, 0x3ffffec, 0x3ffffed, 0x7ffffe7, 0x7ffffe8, 0x7ffffe9,
  0x7ffffea, 0x7ffffeb, 0xffffffe, 0x7ffffec, 0x7ffffed, 0x7ffffee, 0x7ffffef, 0x7fffff0, 0x3ffffee, 0x3fffffff,
];
/** Bit length of each code above. */
const HUFFMAN_LENGTHS = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28, 6, 10, 10,
  12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, 13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
  7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, 15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7,
  7, 15, 11, 14, 13, 28, 20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22,
  23, 23, 24, 22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22,
  23, 26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, 20,
  24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, 30,
];
/** HPACK static table (RFC 7541, Appendix A); index 1 is the first entry. */
export const STATIC_TABLE: ReadonlyArray<readonly [string, string]> = [
  [':authority', ''],
  [':method', 'GET'],
  [':method', 'POST'],
  [':path', '/'],
  [':path', '/index.html'],
  [':scheme', 'http'],
  [':scheme', 'https'],
  [':status', '200'],
  [':status', '204'],
  [':status', '206'],
  [':status', '304'],
  [':status', '400'],
  [':status', '404'],
  [':status', '500'],
  ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'],
  ['accept-language', ''],
  ['accept-ranges', ''],
  ['accept', ''],
  ['access-control-allow-origin', ''],
  ['age', ''],
  ['allow', ''],
  ['authorization', ''],
  ['cache-control', ''],
  ['content-disposition', ''],
  ['content-encoding', ''],
  ['content-language', ''],
  ['content-length', ''],
  ['content-location', ''],
  ['content-range', ''],
  ['content-type', ''],
  ['cookie', ''],
  ['date', ''],
  ['etag', ''],
  ['expect', ''],
  ['expires', ''],
  ['from', ''],
  ['host', ''],
  ['if-match', ''],
  ['if-modified-since', ''],
  ['if-none-match', ''],
  ['if-range', ''],
  ['if-unmodified-since', ''],
  ['last-modified', ''],
  ['link', ''],
  ['location', ''],
  ['max-forwards', ''],
  ['proxy-authenticate', ''],
  ['proxy-authorization', ''],
  ['range', ''],
  ['referer', ''],
  ['refresh', ''],
  ['retry-after', ''],
  ['server', ''],
  ['set-cookie', ''],
  ['strict-transport-security', ''],
  ['transfer-encoding', ''],
  ['user-agent', ''],
  ['vary', ''],
  ['via', ''],
  ['www-authenticate', ''],
];

interface HuffmanNode {
  sym: number; // -1 for inner nodes
  kids: [HuffmanNode | undefined, HuffmanNode | undefined];
}

function buildHuffmanTree(): HuffmanNode {
  const root: HuffmanNode = { sym: -1, kids: [undefined, undefined] };
  for (let sym = 0; sym < HUFFMAN_CODES.length; sym++) {
    let node = root;
    const code = HUFFMAN_CODES[sym];
    for (let bit = HUFFMAN_LENGTHS[sym] - 1; bit >= 0; bit--) {
      const b = Math.floor(code / 2 ** bit) & 1;
      node = node.kids[b] ??= { sym: -1, kids: [undefined, undefined] };
    }
    node.sym = sym;
  }
  return root;
}

const HUFFMAN_ROOT = buildHuffmanTree();
const EOS = 256;

/** Decodes a Huffman-coded HPACK string (bit by bit: header strings here are few and short). */
export function huffmanDecode(buf: Uint8Array, start: number, end: number): string {
  let out = '';
  let node = HUFFMAN_ROOT;
  let depth = 0;
  for (let i = start; i < end; i++) {
    const byte = buf[i];
    for (let bit = 7; bit >= 0; bit--) {
      const next = node.kids[(byte >> bit) & 1];
      if (next === undefined) throw new Error('hpack: invalid Huffman code');
      depth++;
      if (next.sym >= 0) {
        if (next.sym === EOS) throw new Error('hpack: EOS in string');
        out += String.fromCharCode(next.sym);
        node = HUFFMAN_ROOT;
        depth = 0;
      } else {
        node = next;
      }
    }
  }
  if (depth > 7) throw new Error('hpack: Huffman padding longer than 7 bits');
  return out;
}

/** Size of a table entry as HPACK counts it. */
function entrySize(name: string, value: string): number {
  return name.length + value.length + 32;
}

/** The two response headers a gRPC client needs; everything else is decoded and dropped. */
export interface DecodedHeaders {
  status: number;
  grpcStatus: string | undefined;
  grpcMessage: string | undefined;
}

export class HpackDecoder {
  private readonly dynamic: Array<[string, string]> = []; // newest first
  private size = 0;
  private pos = 0;

  constructor(private maxSize = 4096) {}

  /** Decodes one complete header block; throws on malformed input (a connection error). */
  decode(buf: Uint8Array, start: number, end: number): DecodedHeaders {
    const out: DecodedHeaders = { status: 0, grpcStatus: undefined, grpcMessage: undefined };
    this.pos = start;
    while (this.pos < end) {
      const b = buf[this.pos];
      let name: string;
      let value: string;
      if (b & 0x80) {
        [name, value] = this.entry(this.integer(buf, end, 7));
      } else if (b & 0x40) {
        const idx = this.integer(buf, end, 6);
        name = idx === 0 ? this.string(buf, end) : this.entry(idx)[0];
        value = this.string(buf, end);
        this.insert(name, value);
      } else if (b & 0x20) {
        this.resize(this.integer(buf, end, 5));
        continue;
      } else {
        const idx = this.integer(buf, end, 4);
        name = idx === 0 ? this.string(buf, end) : this.entry(idx)[0];
        value = this.string(buf, end);
      }
      if (name === ':status') out.status = Number(value);
      else if (name === 'grpc-status') out.grpcStatus = value;
      else if (name === 'grpc-message') out.grpcMessage = value;
    }
    return out;
  }

  private integer(buf: Uint8Array, end: number, prefixBits: number): number {
    const max = (1 << prefixBits) - 1;
    let v = buf[this.pos++] & max;
    if (v < max) return v;
    let mul = 1;
    for (;;) {
      if (this.pos >= end || mul > 2 ** 28) throw new Error('hpack: bad integer');
      const b = buf[this.pos++];
      v += (b & 0x7f) * mul;
      mul *= 128;
      if ((b & 0x80) === 0) return v;
    }
  }

  private string(buf: Uint8Array, end: number): string {
    if (this.pos >= end) throw new Error('hpack: truncated string');
    const huffman = (buf[this.pos] & 0x80) !== 0;
    const len = this.integer(buf, end, 7);
    const s = this.pos;
    this.pos += len;
    if (this.pos > end) throw new Error('hpack: truncated string');
    return huffman ? huffmanDecode(buf, s, this.pos) : Buffer.from(buf.buffer, buf.byteOffset + s, len).toString('latin1');
  }

  private entry(idx: number): readonly [string, string] {
    if (idx >= 1 && idx <= STATIC_TABLE.length) return STATIC_TABLE[idx - 1];
    const e = this.dynamic[idx - STATIC_TABLE.length - 1];
    if (e === undefined) throw new Error(`hpack: index ${idx} out of range`);
    return e;
  }

  private insert(name: string, value: string): void {
    const size = entrySize(name, value);
    this.dynamic.unshift([name, value]);
    this.size += size;
    this.evict();
  }

  private resize(max: number): void {
    this.maxSize = max;
    this.evict();
  }

  private evict(): void {
    while (this.size > this.maxSize && this.dynamic.length > 0) {
      const [n, v] = this.dynamic.pop()!;
      this.size -= entrySize(n, v);
    }
  }
}

function encodeInteger(out: number[], firstByteFlags: number, prefixBits: number, v: number): void {
  const max = (1 << prefixBits) - 1;
  if (v < max) {
    out.push(firstByteFlags | v);
    return;
  }
  out.push(firstByteFlags | max);
  v -= max;
  while (v >= 128) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

function encodeString(out: number[], s: string): void {
  encodeInteger(out, 0, 7, s.length);
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i) & 0xff);
}

function staticIndex(name: string, value?: string): number {
  const i = STATIC_TABLE.findIndex(([n, v]) => n === name && (value === undefined || v === value));
  return i + 1; // 0 when absent
}

/**
 * Request-header encoder of one connection. The first time a (name, value) is sent it goes as a
 * literal with incremental indexing; later it is one indexed byte. Entries are never evicted as
 * long as everything inserted fits the server's table (checked against its HEADER_TABLE_SIZE;
 * when it does not fit, headers go as literals without indexing).
 */
export class HpackEncoder {
  private readonly inserted = new Map<string, number>(); // key -> insertion ordinal
  private used = 0;
  private readonly cache = new Map<string, Buffer>();

  constructor(private readonly serverTableSize: number) {}

  /** The header block of a request; cached per header list until the table changes. */
  encode(headers: ReadonlyArray<readonly [string, string]>, cacheKey: string): Buffer {
    const cached = this.cache.get(cacheKey);
    if (cached) return cached;
    const out: number[] = [];
    let changed = false;
    for (const [name, value] of headers) {
      const full = staticIndex(name, value);
      if (full > 0) {
        encodeInteger(out, 0x80, 7, full);
        continue;
      }
      const key = `${name}\n${value}`;
      const ordinal = this.inserted.get(key);
      if (ordinal !== undefined) {
        encodeInteger(out, 0x80, 7, STATIC_TABLE.length + this.inserted.size - ordinal);
        continue;
      }
      const nameIdx = staticIndex(name);
      const size = entrySize(name, value);
      if (this.used + size <= this.serverTableSize) {
        encodeInteger(out, 0x40, 6, nameIdx);
        this.inserted.set(key, this.inserted.size);
        this.used += size;
        changed = true;
      } else {
        encodeInteger(out, 0x00, 4, nameIdx);
      }
      if (nameIdx === 0) encodeString(out, name);
      encodeString(out, value);
    }
    // A block that inserted entries must not be reused, and it shifted every dynamic index.
    if (changed) this.cache.clear();
    else this.cache.set(cacheKey, Buffer.from(out));
    return Buffer.from(out);
  }
}
