/**
 * The one place where errors become gRPC statuses. Business outcomes never get here (they are
 * answers with a ResultCode); what does is a refused request, which changed nothing:
 *
 *   InvalidArgumentError, BalanceError INVALID_ARGUMENT,
 *   RatingError INVALID_USAGE                          -> INVALID_ARGUMENT (message names the field)
 *   BalanceError LIMIT_EXCEEDED, RatingError OUT_OF_RANGE -> OUT_OF_RANGE
 *   BalanceError DUPLICATE_MISMATCH                    -> ALREADY_EXISTS (id reused with other content)
 *   BalanceError OUT_OF_SEQUENCE, ALREADY_REFUNDED     -> FAILED_PRECONDITION
 *   anything else                                      -> INTERNAL, logged, no detail to the client
 */
import { status as Status, StatusObject } from '@grpc/grpc-js';
import { RatingError, RatingErrorCode } from '@app/rating';
import type { Logger } from '@app/observability';
import { BalanceError, BalanceErrorCode } from '../balance/balance.errors';
import { InvalidArgumentError } from './commands/invalid-argument.error';

type GrpcStatus = Pick<StatusObject, 'code' | 'details'>;

const SESSION_RPCS = new Set(['StartSession', 'UpdateSession', 'TerminateSession']);

function balanceStatus(err: BalanceError, method: string): GrpcStatus | undefined {
  const idField = SESSION_RPCS.has(method) ? 'session_id/request_number' : 'request_id';
  switch (err.code) {
    case BalanceErrorCode.INVALID_ARGUMENT:
      return { code: Status.INVALID_ARGUMENT, details: err.message };
    case BalanceErrorCode.LIMIT_EXCEEDED:
      return { code: Status.OUT_OF_RANGE, details: err.message };
    case BalanceErrorCode.DUPLICATE_MISMATCH:
      return { code: Status.ALREADY_EXISTS, details: `${idField}: already used by a request with different content` };
    case BalanceErrorCode.OUT_OF_SEQUENCE:
      return {
        code: Status.FAILED_PRECONDITION,
        details: 'request_number: at or below the last one processed in this session, and its answer is no longer kept',
      };
    case BalanceErrorCode.ALREADY_REFUNDED:
      return { code: Status.FAILED_PRECONDITION, details: 'debit_request_id: the debit was already refunded by another request' };
    default:
      return undefined;
  }
}

function ratingStatus(err: RatingError): GrpcStatus | undefined {
  if (err.code === RatingErrorCode.INVALID_USAGE) return { code: Status.INVALID_ARGUMENT, details: err.message };
  if (err.code === RatingErrorCode.OUT_OF_RANGE) return { code: Status.OUT_OF_RANGE, details: err.message };
  return undefined;
}

export function grpcStatusOf(err: unknown, method: string, logger: Logger): GrpcStatus {
  if (err instanceof InvalidArgumentError) return { code: Status.INVALID_ARGUMENT, details: err.message };
  const known = err instanceof BalanceError ? balanceStatus(err, method) : err instanceof RatingError ? ratingStatus(err) : undefined;
  if (known) return known;
  logger.error({ err, method }, 'charging call failed');
  return { code: Status.INTERNAL, details: 'internal error' };
}
