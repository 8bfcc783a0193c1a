/**
 * A batched variant of DebitEvent, served by the echo server only, to measure how far a batched
 * API would take unary gRPC: one call carries N DebitEventRequest messages and answers N
 * DebitEventResponse messages. Not part of charging.v1; the messages are the generated ones, the
 * wrapper is the obvious `repeated` field, written by hand here:
 *
 *   message DebitEventBatchRequest  { repeated charging.v1.DebitEventRequest  requests  = 1; }
 *   message DebitEventBatchResponse { repeated charging.v1.DebitEventResponse responses = 1; }
 *   service BatchEchoService { rpc DebitEvents(DebitEventBatchRequest) returns (DebitEventBatchResponse); }
 */
import type { ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';
import { DebitEventRequest, DebitEventResponse } from '@app/proto';

export const BATCH_DEBIT_PATH = '/ratel.loadtest.v1.BatchEchoService/DebitEvents';
/** Largest batch the echo accepts (a limit on everything). */
export const BATCH_SIZE_MAX = 1024;

/** Wraps already-encoded messages as `repeated` field 1 (pure). */
export function encodeBatch(messages: Uint8Array[]): Uint8Array {
  const w = new BinaryWriter();
  for (const m of messages) w.uint32(10).bytes(m);
  return w.finish();
}

function decodeBatch(bytes: Buffer): DebitEventRequest[] {
  const r = new BinaryReader(bytes);
  const out: DebitEventRequest[] = [];
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === 1 && (tag & 7) === 2) {
      if (out.length >= BATCH_SIZE_MAX) throw new Error(`batch larger than ${BATCH_SIZE_MAX}`);
      out.push(DebitEventRequest.decode(r.bytes()));
    } else {
      r.skip(tag & 7);
    }
  }
  return out;
}

/** Decodes a batch answer; returns how many valid DebitEventResponse it holds (throws if malformed). */
export function decodeBatchAnswers(bytes: Uint8Array): number {
  const r = new BinaryReader(bytes);
  let n = 0;
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 !== 1 || (tag & 7) !== 2) throw new Error('unexpected field in batch answer');
    DebitEventResponse.decode(r.bytes());
    n++;
  }
  return n;
}

function encodeResponses(responses: DebitEventResponse[]): Buffer {
  const w = new BinaryWriter();
  for (const m of responses) DebitEventResponse.encode(m, w.uint32(10).fork()).join();
  return Buffer.from(w.finish());
}

export const BATCH_ECHO_SERVICE: ServiceDefinition = {
  debitEvents: {
    path: BATCH_DEBIT_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: (v: DebitEventRequest[]) => Buffer.from(encodeBatch(v.map((m) => DebitEventRequest.encode(m).finish()))),
    requestDeserialize: decodeBatch,
    responseSerialize: encodeResponses,
    responseDeserialize: (b: Buffer) => b,
  },
};

/** The batch echo: each request answered as the unary DebitEvent echo answers it. */
export function batchEchoImplementation(answer: (req: DebitEventRequest) => DebitEventResponse): UntypedServiceImplementation {
  return {
    debitEvents: (call: { request: DebitEventRequest[] }, callback: (err: null, v: DebitEventResponse[]) => void) =>
      callback(null, call.request.map(answer)),
  };
}
