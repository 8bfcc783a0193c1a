/**
 * gRPC over HTTP/2 at the byte level, for a generator that does not use a gRPC client library:
 * the 5-byte message prefix (compressed flag + big-endian length), and a reader of one varint
 * field of a protobuf message that does not decode the rest.
 */

/** Size of the gRPC length-prefixed message header. */
export const GRPC_PREFIX_BYTES = 5;

/** A length-prefixed, uncompressed gRPC message. */
export function grpcFrame(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(GRPC_PREFIX_BYTES + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  out.set(message, GRPC_PREFIX_BYTES);
  return out;
}

/** The message inside a single gRPC frame, or undefined when the bytes are not exactly one frame. */
export function unframe(body: Buffer): Buffer | undefined {
  if (body.length < GRPC_PREFIX_BYTES || body[0] !== 0) return undefined;
  const len = body.readUInt32BE(1);
  if (body.length !== GRPC_PREFIX_BYTES + len) return undefined;
  return body.subarray(GRPC_PREFIX_BYTES);
}

/** The messages of a body of back-to-back gRPC frames (a streamed answer), or undefined when the bytes are not whole frames. */
export function unframeAll(body: Buffer): Buffer[] | undefined {
  const out: Buffer[] = [];
  for (let off = 0; off < body.length;) {
    if (body.length - off < GRPC_PREFIX_BYTES || body[off] !== 0) return undefined;
    const end = off + GRPC_PREFIX_BYTES + body.readUInt32BE(off + 1);
    if (end > body.length) return undefined;
    out.push(body.subarray(off + GRPC_PREFIX_BYTES, end));
    off = end;
  }
  return out;
}

/**
 * Value of a top-level varint field of a protobuf message (the last occurrence wins, as in
 * protobuf), or undefined when absent or when the bytes are malformed. Skips other fields
 * without decoding them.
 */
export function readVarintField(buf: Uint8Array, start: number, end: number, field: number): number | undefined {
  let pos = start;
  let found: number | undefined;
  while (pos < end) {
    let tag = 0;
    let shift = 0;
    let b: number;
    do {
      if (pos >= end || shift > 28) return undefined;
      b = buf[pos++];
      tag |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    const wire = tag & 7;
    const num = tag >>> 3;
    if (wire === 0) {
      let v = 0;
      let mul = 1;
      do {
        if (pos >= end || mul > 2 ** 63) return undefined;
        b = buf[pos++];
        v += (b & 0x7f) * mul;
        mul *= 128;
      } while (b & 0x80);
      if (num === field) found = v;
    } else if (wire === 2) {
      let len = 0;
      let mul = 1;
      do {
        if (pos >= end || mul > 2 ** 28) return undefined;
        b = buf[pos++];
        len += (b & 0x7f) * mul;
        mul *= 128;
      } while (b & 0x80);
      pos += len;
    } else if (wire === 1) {
      pos += 8;
    } else if (wire === 5) {
      pos += 4;
    } else {
      return undefined;
    }
  }
  return pos === end ? found : undefined;
}

/** Writes n as exactly `width` ASCII digits ending at off + width (zero-padded; n must fit). */
export function writeDigits(buf: Buffer, off: number, width: number, n: number): void {
  for (let i = off + width - 1; i >= off; i--) {
    buf[i] = 48 + (n % 10);
    n = Math.floor(n / 10);
  }
}
