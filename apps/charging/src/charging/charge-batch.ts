/**
 * ChargeBatch and ChargeStream: each item runs through exactly the handler of its unary RPC (same
 * command validation, fingerprint, idempotency, result codes, events); an item's error becomes its
 * per-item status instead of the call's. Answers keep the order of the items.
 * First version: items run concurrently through the unary use cases (no multi-item script call yet).
 */
import { ServerDuplexStream, ServerUnaryCall, sendUnaryData, status as Status } from '@grpc/grpc-js';
import { ChargeBatchRequest, ChargeBatchResponse, ChargeItem, ChargeItemResult, ResultCode } from '@app/proto';
import { ChargingApi } from './charging-api';
import {
  CHARGE_BATCH_BYTES_MAX,
  CHARGE_BATCH_ITEMS_MAX,
  CHARGE_STREAM_DEADLINE_MAX_MS,
  CHARGE_STREAM_IN_FLIGHT_MAX,
} from './charging.limits';
import { InvalidArgumentError } from './commands/invalid-argument.error';
import type { ErrorToStatus } from './grpc-service';
import { GrpcMetrics } from './grpc-metrics';

const ITEM_KINDS = [
  ['start', 'startSession', 'StartSession'],
  ['update', 'updateSession', 'UpdateSession'],
  ['terminate', 'terminateSession', 'TerminateSession'],
  ['debitEvent', 'debitEvent', 'DebitEvent'],
  ['refundEvent', 'refundEvent', 'RefundEvent'],
] as const;

type ItemKind = (typeof ITEM_KINDS)[number];

function invalid(correlationId: string, field: string, reason: string): ChargeItemResult {
  return { correlationId, status: { code: Status.INVALID_ARGUMENT, message: `${field}: ${reason}`, field } };
}

/** Runs one item as its unary RPC would; never rejects. `path` is "items[i]" (batch) or "item" (stream). */
export async function runItem(
  item: ChargeItem,
  path: string,
  api: ChargingApi,
  metrics: GrpcMetrics,
  toStatus: ErrorToStatus,
): Promise<ChargeItemResult> {
  const correlationId = item.correlationId;
  const set = ITEM_KINDS.filter(([key]) => item[key] !== undefined);
  if (set.length !== 1)
    return invalid(correlationId, `${path}.request`, 'exactly one of start, update, terminate, debit_event, refund_event must be set');
  const [key, method, rpc]: ItemKind = set[0];
  const recorder = metrics.forMethod(`ChargeBatch.${rpc}`);
  const startedNs = process.hrtime.bigint();
  try {
    const handle = api[method].bind(api) as (req: unknown) => Promise<{ resultCode: ResultCode }>;
    const res = await handle(item[key]);
    recorder.observe(ResultCode[res.resultCode] ?? String(res.resultCode), startedNs);
    return { correlationId, [key]: res } as ChargeItemResult;
  } catch (err) {
    const status = toStatus(err, rpc);
    const code = status.code ?? Status.UNKNOWN;
    recorder.observe(Status[code] ?? String(code), startedNs);
    const field = err instanceof InvalidArgumentError ? `${path}.${snake(key)}.${err.field}` : '';
    return { correlationId, status: { code, message: status.details ?? '', field } };
  }
}

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Batch-level checks: any failure refuses the whole batch, nothing applied. */
export function batchRefusal(bytes: number, request: ChargeBatchRequest): InvalidArgumentError | undefined {
  if (bytes > CHARGE_BATCH_BYTES_MAX)
    return new InvalidArgumentError('items', `the batch is ${bytes} bytes, more than ${CHARGE_BATCH_BYTES_MAX}`);
  if (request.items.length === 0) return new InvalidArgumentError('items', 'is empty');
  if (request.items.length > CHARGE_BATCH_ITEMS_MAX) {
    return new InvalidArgumentError('items', `${request.items.length} items, more than ${CHARGE_BATCH_ITEMS_MAX}`);
  }
  const seen = new Map<string, number>();
  for (const [i, item] of request.items.entries()) {
    if (item.correlationId === '') return new InvalidArgumentError(`items[${i}].correlation_id`, 'is empty');
    const first = seen.get(item.correlationId);
    if (first !== undefined) return new InvalidArgumentError(`items[${i}].correlation_id`, `same as items[${first}].correlation_id`);
    seen.set(item.correlationId, i);
  }
  return undefined;
}

export function chargeBatchHandler(api: ChargingApi, metrics: GrpcMetrics, toStatus: ErrorToStatus) {
  const recorder = metrics.forMethod('ChargeBatch');
  return (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
    const startedNs = process.hrtime.bigint();
    let request: ChargeBatchRequest;
    try {
      request = ChargeBatchRequest.decode(call.request);
    } catch {
      recorder.observe('INVALID_ARGUMENT', startedNs);
      callback(toStatus(new InvalidArgumentError('request', 'is not a valid charging.v1.ChargeBatchRequest message'), 'ChargeBatch'));
      return;
    }
    const refusal = batchRefusal(call.request.length, request);
    if (refusal) {
      recorder.observe('INVALID_ARGUMENT', startedNs);
      callback(toStatus(refusal, 'ChargeBatch'));
      return;
    }
    // Items of one session run one after the other in batch order (request numbers apply in order);
    // all other items run concurrently.
    const sessionTail = new Map<string, Promise<unknown>>();
    const runs = request.items.map((item, i) => {
      const sessionId = (item.start ?? item.update ?? item.terminate)?.sessionId;
      if (sessionId === undefined || sessionId === '') return runItem(item, `items[${i}]`, api, metrics, toStatus);
      const run = (sessionTail.get(sessionId) ?? Promise.resolve()).then(() => runItem(item, `items[${i}]`, api, metrics, toStatus));
      sessionTail.set(sessionId, run);
      return run;
    });
    Promise.all(runs).then(
      (results) => {
        let bytes: Buffer;
        try {
          bytes = Buffer.from(ChargeBatchResponse.encode({ results }).finish());
        } catch (err) {
          recorder.observe('INTERNAL', startedNs);
          callback(toStatus(new Error('ChargeBatch: the answer cannot be encoded', { cause: err }), 'ChargeBatch'));
          return;
        }
        recorder.observe('OK', startedNs);
        callback(null, bytes);
      },
      (err: unknown) => {
        recorder.observe('INTERNAL', startedNs);
        callback(toStatus(err, 'ChargeBatch'));
      },
    );
  };
}

/**
 * ChargeStream: answers in the order items arrive; stops reading (pause) while
 * CHARGE_STREAM_IN_FLIGHT_MAX items are unanswered, so HTTP/2 flow control pushes back on the client.
 */
export interface ChargeStreamLimits {
  inFlightMax: number;
  deadlineMaxMs: number;
}

export const CHARGE_STREAM_LIMITS: ChargeStreamLimits = {
  inFlightMax: CHARGE_STREAM_IN_FLIGHT_MAX,
  deadlineMaxMs: CHARGE_STREAM_DEADLINE_MAX_MS,
};

export function chargeStreamHandler(api: ChargingApi, metrics: GrpcMetrics, toStatus: ErrorToStatus, limits = CHARGE_STREAM_LIMITS) {
  return (call: ServerDuplexStream<Buffer, Buffer>) => {
    let inFlight = 0;
    let ended = false;
    let done = false;
    let index = 0;
    const deadline = setTimeout(() => {
      done = true;
      call.emit('error', { code: Status.DEADLINE_EXCEEDED, details: `the stream is older than ${limits.deadlineMaxMs} ms` });
    }, limits.deadlineMaxMs);
    deadline.unref();
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      call.end();
    };
    let writing = Promise.resolve();
    call.on('data', (bytes: Buffer) => {
      if (done) return;
      const i = index++;
      let item: ChargeItem;
      let result: Promise<ChargeItemResult>;
      try {
        item = ChargeItem.decode(bytes);
        result = runItem(item, 'item', api, metrics, toStatus);
      } catch {
        result = Promise.resolve(invalid('', 'item', `item ${i} is not a valid charging.v1.ChargeItem message`));
      }
      inFlight++;
      if (inFlight >= limits.inFlightMax) call.pause();
      // Write in arrival order: each write waits for the previous one.
      writing = writing.then(async () => {
        const res = await result;
        if (!done) call.write(Buffer.from(ChargeItemResult.encode(res).finish()));
        inFlight--;
        if (inFlight < limits.inFlightMax && !done) call.resume();
        if (ended && inFlight === 0) finish();
      });
    });
    call.on('end', () => {
      ended = true;
      if (inFlight === 0) finish();
    });
    call.on('cancelled', () => {
      done = true;
      clearTimeout(deadline);
    });
  };
}
