/**
 * ChargeBatch and ChargeStream: each item runs through exactly the handler of its unary RPC (same
 * command validation, fingerprint, idempotency, result codes, events); an item's error becomes its
 * per-item status instead of the call's. Answers keep the order of the items. Items of one session
 * run one after the other in the order given (SessionOrder); all others run concurrently, and the
 * balance engine coalesces the script calls of one event-loop turn (charge-coalescer.ts).
 */
import { ServerDuplexStream, ServerUnaryCall, sendUnaryData, status as Status } from '@grpc/grpc-js';
import { ChargeBatchRequest, ChargeBatchResponse, ChargeItem, ChargeItemResult, ResultCode } from '@app/proto';
import { ChargingApi } from './charging-api';
import {
  CHARGE_BATCH_BYTES_MAX,
  CHARGE_BATCH_ITEMS_MAX,
  CHARGE_STREAM_DEADLINE_MAX_MS,
  CHARGE_STREAM_IN_FLIGHT_MAX,
  CHARGE_STREAM_ITEM_BYTES_MAX,
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
    // A refusal of the request's content names its field; one found below the gateway's checks (rating, the
    // balance engine: their message names it) names at least the item's request.
    const field =
      err instanceof InvalidArgumentError
        ? `${path}.${snake(key)}.${err.field}`
        : code === Status.INVALID_ARGUMENT || code === Status.OUT_OF_RANGE
          ? `${path}.${snake(key)}`
          : '';
    return { correlationId, status: { code, message: status.details ?? '', field } };
  }
}

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * Runs the items of one session (start, update, terminate: request numbers apply in order) one after
 * the other in the order they are given, every other item at once. A session's chain is forgotten once
 * its last item has run, so a long stream holds only the sessions it has unanswered.
 */
export class SessionOrder {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(item: ChargeItem, fn: () => Promise<T>): Promise<T> {
    const sessionId = (item.start ?? item.update ?? item.terminate)?.sessionId;
    if (sessionId === undefined || sessionId === '') return fn();
    // An item that failed does not hold back the next one of its session (runItem never rejects anyway).
    const run = (this.tails.get(sessionId) ?? Promise.resolve()).catch(() => undefined).then(fn);
    this.tails.set(sessionId, run);
    const forget = () => {
      if (this.tails.get(sessionId) === run) this.tails.delete(sessionId);
    };
    run.then(forget, forget);
    return run;
  }
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
    const order = new SessionOrder();
    const runs = request.items.map((item, i) => order.run(item, () => runItem(item, `items[${i}]`, api, metrics, toStatus)));
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
 * Items of one session run in the order sent (SessionOrder), as in a batch. An item is refused alone
 * (INVALID_ARGUMENT, not applied) when it does not decode, is larger than CHARGE_STREAM_ITEM_BYTES_MAX,
 * or its correlation id is empty or that of an item still unanswered (answers could not be told apart).
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
  /** Items refused before they run (undecodable, oversized, correlation id): they have no RPC of their own. */
  const refusals = metrics.forMethod('ChargeStream');
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
    const order = new SessionOrder();
    /** Correlation ids of the items read and not yet answered. */
    const unanswered = new Set<string>();
    const refused = (correlationId: string, field: string, reason: string) => {
      refusals.observe('INVALID_ARGUMENT', process.hrtime.bigint());
      return Promise.resolve(invalid(correlationId, field, reason));
    };
    call.on('data', (bytes: Buffer) => {
      if (done) return;
      const i = index++;
      let result: Promise<ChargeItemResult>;
      let claimed: string | undefined;
      let item: ChargeItem | undefined;
      try {
        item = ChargeItem.decode(bytes);
      } catch {
        item = undefined;
      }
      if (item === undefined) result = refused('', 'item', `item ${i} is not a valid charging.v1.ChargeItem message`);
      else if (bytes.length > CHARGE_STREAM_ITEM_BYTES_MAX)
        result = refused(item.correlationId, 'item', `item ${i} is ${bytes.length} bytes, more than ${CHARGE_STREAM_ITEM_BYTES_MAX}`);
      else if (item.correlationId === '') result = refused('', 'item.correlation_id', `item ${i}: is empty`);
      else if (unanswered.has(item.correlationId))
        result = refused(item.correlationId, 'item.correlation_id', `item ${i}: same as an item not yet answered`);
      else {
        const it = item;
        claimed = it.correlationId;
        unanswered.add(claimed);
        result = order.run(it, () => runItem(it, 'item', api, metrics, toStatus));
      }
      inFlight++;
      if (inFlight >= limits.inFlightMax) call.pause();
      // Write in arrival order: each write waits for the previous one.
      writing = writing.then(async () => {
        const res = await result;
        if (!done) call.write(Buffer.from(ChargeItemResult.encode(res).finish()));
        if (claimed !== undefined) unanswered.delete(claimed);
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
