/**
 * Adapts a ChargingApi to a grpc-js service implementation: decode the request bytes, call the
 * API, answer, and count the call. Requests reach the handler as bytes (the service definition's
 * deserializer is the identity) because grpc-js answers INTERNAL when a deserializer throws, and a
 * malformed message is the client's error: INVALID_ARGUMENT. Answers leave as bytes too (the
 * serializer is the identity): the handler encodes them itself, so an answer that cannot be encoded
 * (an int64 field out of range) is counted and logged as the INTERNAL it is, not counted under its
 * ResultCode while grpc-js sends INTERNAL "Error serializing response" and logs nothing.
 */
import {
  handleUnaryCall,
  sendUnaryData,
  ServerUnaryCall,
  ServiceDefinition,
  status as Status,
  StatusObject,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { ChargingServiceService, ResultCode } from '@app/proto';
import { ChargingApi, ChargingMethod, REQUEST_CODECS } from './charging-api';
import { InvalidArgumentError } from './commands/invalid-argument.error';
import { GrpcMetrics } from './grpc-metrics';
import { CHARGE_STREAM_LIMITS, chargeBatchHandler, ChargeStreamLimits, chargeStreamHandler } from './charge-batch';

/** ChargingServiceService with requests passed through undecoded and answers passed through encoded. */
export const CHARGING_SERVICE_RAW_REQUESTS: ServiceDefinition = Object.fromEntries(
  Object.entries(ChargingServiceService).map(([name, method]) => [
    name,
    { ...method, requestDeserialize: (bytes: Buffer) => bytes, responseSerialize: (bytes: Buffer) => bytes },
  ]),
);

/** Maps any error thrown by the API to the status sent to the client (one place: grpc-status.mapper). */
export type ErrorToStatus = (err: unknown, method: string) => Partial<StatusObject>;

function rpcName(method: ChargingMethod): string {
  return ChargingServiceService[method].path.split('/').pop() as string;
}

function resultLabel(res: { resultCode: ResultCode }): string {
  return ResultCode[res.resultCode] ?? String(res.resultCode);
}

function statusLabel(status: Partial<StatusObject>): string {
  return status.code === undefined ? 'UNKNOWN' : (GRPC_STATUS_NAMES[status.code] ?? String(status.code));
}

const GRPC_STATUS_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(Status)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => [v as number, k]),
);

function unary<K extends ChargingMethod>(
  method: K,
  api: ChargingApi,
  metrics: GrpcMetrics,
  toStatus: ErrorToStatus,
): handleUnaryCall<Buffer, Buffer> {
  const name = rpcName(method);
  const encode = ChargingServiceService[method].responseSerialize as (res: unknown) => Buffer;
  const codec = REQUEST_CODECS[method];
  const handle = api[method].bind(api) as (req: ReturnType<typeof codec.decode>) => Promise<{ resultCode: ResultCode }>;
  const recorder = metrics.forMethod(name);
  const fail = (err: unknown, startedNs: bigint, callback: sendUnaryData<Buffer>) => {
    const status = toStatus(err, name);
    recorder.observe(statusLabel(status), startedNs);
    callback(status);
  };
  return (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
    const startedNs = process.hrtime.bigint();
    let request: ReturnType<typeof codec.decode>;
    try {
      request = codec.decode(call.request);
    } catch {
      const status = toStatus(new InvalidArgumentError('request', `is not a valid charging.v1.${name}Request message`), name);
      recorder.observe('INVALID_ARGUMENT', startedNs);
      callback(status);
      return;
    }
    handle(request).then(
      (res) => {
        let bytes: Buffer;
        try {
          bytes = encode(res);
        } catch (err) {
          // A bug (an answer field beyond its wire type): INTERNAL, logged by toStatus, counted as such.
          fail(new Error(`${name}: the answer cannot be encoded`, { cause: err }), startedNs, callback);
          return;
        }
        recorder.observe(resultLabel(res), startedNs);
        callback(null, bytes);
      },
      (err: unknown) => fail(err, startedNs, callback),
    );
  };
}

export function chargingServiceImplementation(
  api: ChargingApi,
  metrics: GrpcMetrics,
  toStatus: ErrorToStatus,
  streamLimits: ChargeStreamLimits = CHARGE_STREAM_LIMITS,
): UntypedServiceImplementation {
  const methods = Object.keys(REQUEST_CODECS) as ChargingMethod[];
  return {
    ...Object.fromEntries(methods.map((m) => [m, unary(m, api, metrics, toStatus)])),
    chargeBatch: chargeBatchHandler(api, metrics, toStatus),
    chargeStream: chargeStreamHandler(api, metrics, toStatus, streamLimits),
  };
}
