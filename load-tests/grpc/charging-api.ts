/**
 * What the load tests need to know about charging.v1, taken from the generated code
 * (@app/proto) so that a change of the proto shows up here at compile time: the method paths, the
 * field that carries each answer's result code, and fixed, valid answers for the echo servers.
 */
import type { handleUnaryCall, UntypedServiceImplementation } from '@grpc/grpc-js';
import { BinaryReader } from '@bufbuild/protobuf/wire';
import { ChargingServiceService, ResultCode, UnitType } from '@app/proto';
import { readVarintField } from './frames';

/** The service's methods, by their proto name (StartSession...). */
export type MethodName =
  | 'StartSession'
  | 'UpdateSession'
  | 'TerminateSession'
  | 'DebitEvent'
  | 'RefundEvent'
  | 'CheckBalance'
  | 'PriceEnquiry'
  | 'GetBalance'
  | 'ChargeBatch';

type ServiceKey = keyof typeof ChargingServiceService;

/** Proto method name -> key of the generated grpc-js service definition. */
const KEY_OF: Record<MethodName, ServiceKey> = {
  StartSession: 'startSession',
  UpdateSession: 'updateSession',
  TerminateSession: 'terminateSession',
  DebitEvent: 'debitEvent',
  RefundEvent: 'refundEvent',
  CheckBalance: 'checkBalance',
  PriceEnquiry: 'priceEnquiry',
  GetBalance: 'getBalance',
  ChargeBatch: 'chargeBatch',
};

export const METHOD_NAMES = Object.keys(KEY_OF) as MethodName[];

/** HTTP/2 :path of a method, from the generated definition. */
export function methodPath(m: MethodName): string {
  return ChargingServiceService[KEY_OF[m]].path;
}

/**
 * Field number of `result_code` at the top level of each response message (see charging.proto).
 * The generator reads only this field, so checking an answer costs a few byte reads.
 */
export const RESULT_CODE_FIELD: Record<MethodName, number> = {
  StartSession: 3,
  UpdateSession: 3,
  TerminateSession: 3,
  DebitEvent: 2,
  RefundEvent: 2,
  CheckBalance: 1,
  PriceEnquiry: 1,
  GetBalance: 1,
  ChargeBatch: 0, // none at the top level: each item's answer has its own (BATCH_ITEM_FIELD)
};

/** Field of ChargeItem / ChargeItemResult holding each kind of request and answer (charging.proto). */
export const BATCH_ITEM_FIELD: Partial<Record<MethodName, number>> = {
  StartSession: 2,
  UpdateSession: 3,
  TerminateSession: 4,
  DebitEvent: 5,
  RefundEvent: 6,
};
/** Field of ChargeItemResult holding an item's refusal (ItemStatus, its gRPC code in field 1). */
export const BATCH_ITEM_STATUS_FIELD = 7;
/** The item kinds in ChargeItemResult field order: ITEM_METHODS[field] is the method of that field. */
export const ITEM_METHODS: Record<number, MethodName> = Object.fromEntries(
  Object.entries(BATCH_ITEM_FIELD).map(([m, f]) => [f, m as MethodName]),
);

/** The answer in one ChargeItemResult's bytes: the item's method and result code, or its refusal's gRPC code. */
export interface ItemAnswer {
  method?: MethodName;
  resultCode?: number;
  status?: number;
}

/** Reads one ChargeItemResult without decoding the rest (throws on malformed bytes). */
export function readItemAnswer(bytes: Uint8Array): ItemAnswer {
  const item = new BinaryReader(bytes);
  const out: ItemAnswer = {};
  while (item.pos < item.len) {
    const tag = item.uint32();
    if ((tag & 7) !== 2) {
      item.skip(tag & 7);
      continue;
    }
    const body = item.bytes();
    const method = ITEM_METHODS[tag >>> 3];
    if (method !== undefined) {
      out.method = method;
      out.resultCode = readVarintField(body, 0, body.length, RESULT_CODE_FIELD[method]);
    } else if (tag >>> 3 === BATCH_ITEM_STATUS_FIELD) {
      out.status = readVarintField(body, 0, body.length, 1) ?? 0;
    }
  }
  return out;
}

/** Name of a result code for reports ("SUCCESS", "CREDIT_LIMIT_REACHED"...). */
export function resultCodeName(code: number | undefined): string {
  if (code === undefined) return 'UNSPECIFIED(absent)';
  return (ResultCode as unknown as Record<number, string>)[code] ?? `UNKNOWN_${code}`;
}

/** Decodes a whole response with the generated decoder (used to validate, never in the loop). */
export function decodeResponse(m: MethodName, bytes: Uint8Array): unknown {
  return ChargingServiceService[KEY_OF[m]].responseDeserialize(Buffer.from(bytes));
}

// ---------------------------------------------------------------------------------------------
// Echo answers: fixed, valid and about the size of the real ones, no business logic.

/**
 * How 64-bit integers are represented in message objects: `bigint` for the generated ts-proto
 * codecs, `string` for @grpc/proto-loader loaded with `longs: String` (what NestJS uses with a
 * protoPath). The echo answers are built natively in either, so neither codec pays a conversion.
 */
export type Int64Style = 'bigint' | 'string';

/** A request's session service, as either codec decodes it. */
interface AnySessionService {
  ratingGroup?: number;
  unit?: number;
  requestedUnits?: bigint | string;
  usedUnits?: bigint | string;
}

/** Returns the echo answer of a method computed from its decoded request (pure, no I/O). */
export function makeEchoAnswer(style: Int64Style): (m: MethodName, req: unknown) => unknown {
  const i64 = (n: number): bigint | string => (style === 'bigint' ? BigInt(n) : String(n));
  const balance = { amountMicros: i64(12_345_670_000), currencyCode: 'EUR' };
  const amount = { amountMicros: i64(90_000), currencyCode: 'EUR' };
  const zero = i64(0);
  const serviceResult = (s: AnySessionService) => ({
    ratingGroup: s.ratingGroup ?? 0,
    resultCode: ResultCode.SUCCESS,
    unit: s.unit ?? UnitType.SECONDS,
    grantedUnits: s.requestedUnits ?? zero,
    validityTimeMs: 600_000,
    debitedUnits: s.usedUnits ?? zero,
    allowanceUnits: zero,
    debitedAmount: amount,
    reservedAmount: amount,
  });
  const others: Record<string, unknown> = {
    RefundEvent: { requestId: 'echo', resultCode: ResultCode.SUCCESS, refundedAmount: amount, balance },
    CheckBalance: { resultCode: ResultCode.SUCCESS },
    PriceEnquiry: { resultCode: ResultCode.SUCCESS, price: amount, unit: UnitType.SECONDS },
    GetBalance: {
      resultCode: ResultCode.SUCCESS,
      accountId: 'echo',
      accountType: 1,
      accountStatus: 1,
      balance,
      buckets: [],
      reservations: [],
    },
  };
  const answer = (m: MethodName, req: unknown): unknown => {
    switch (m) {
      case 'StartSession':
      case 'UpdateSession':
      case 'TerminateSession': {
        const r = req as { sessionId: string; requestNumber?: number; services: AnySessionService[] };
        return {
          sessionId: r.sessionId,
          requestNumber: r.requestNumber ?? 0,
          resultCode: ResultCode.SUCCESS,
          services: r.services.map(serviceResult),
          balance,
        };
      }
      case 'DebitEvent': {
        const r = req as { requestId: string };
        return { requestId: r.requestId, resultCode: ResultCode.SUCCESS, debitedAmount: amount, allowanceUnits: zero, balance };
      }
      case 'ChargeBatch': {
        // Each item answered as its unary method is; the batched echo of run-compare.
        const r = req as { items: Array<Record<string, unknown>> };
        return {
          results: r.items.map((item) => {
            const kind = ITEM_KEYS.find(([k]) => item[k] !== undefined && item[k] !== null);
            return kind
              ? { correlationId: item.correlationId, [kind[0]]: answer(kind[1], item[kind[0]]) }
              : { correlationId: item.correlationId };
          }),
        };
      }
      default:
        return others[m];
    }
  };
  return answer;
}

/** ChargeItem oneof keys (camelCase, as ts-proto and proto-loader name them) and their methods. */
const ITEM_KEYS: Array<[string, MethodName]> = [
  ['start', 'StartSession'],
  ['update', 'UpdateSession'],
  ['terminate', 'TerminateSession'],
  ['debitEvent', 'DebitEvent'],
  ['refundEvent', 'RefundEvent'],
];

/** grpc-js handlers answering every method with its echo answer. */
export function echoImplementation(answer: (m: MethodName, req: unknown) => unknown): UntypedServiceImplementation {
  const impl: UntypedServiceImplementation = {};
  for (const m of METHOD_NAMES) {
    const handler: handleUnaryCall<unknown, unknown> = (call, callback) => callback(null, answer(m, call.request));
    impl[KEY_OF[m]] = handler;
  }
  return impl;
}

/**
 * A grpc-js package definition of charging.v1.ChargingService that uses the generated ts-proto
 * codecs, in the shape @grpc/proto-loader produces (PascalCase method keys, originalName in
 * camelCase), so NestJS can be given it as `packageDefinition` instead of a .proto file.
 */
export function tsProtoPackageDefinition(): Record<string, Record<string, unknown>> {
  const service: Record<string, unknown> = {};
  for (const m of METHOD_NAMES) service[m] = { ...ChargingServiceService[KEY_OF[m]], originalName: KEY_OF[m] };
  return { 'charging.v1.ChargingService': service };
}

export { ChargingServiceService, KEY_OF as SERVICE_KEY_OF };
