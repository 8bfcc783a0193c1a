/**
 * Commands of the one-shot RPCs: DebitEvent, RefundEvent, CheckBalance, PriceEnquiry and
 * GetBalance (CCR-Event and a read). Each validates itself when created.
 */
import type { CheckBalanceRequest, DebitEventRequest, GetBalanceRequest, PriceEnquiryRequest, RefundEventRequest } from '@app/proto';
import { clientId, RatingContext, ratingContext, serviceUsage, ServiceUsage, subscriberId } from './field-rules';
import { InvalidArgumentError } from './invalid-argument.error';

/** Debit of one event (DIRECT_DEBITING), idempotent by request id. */
export class DebitEventCommand {
  private constructor(
    readonly requestId: string,
    readonly context: RatingContext,
    readonly service: ServiceUsage,
  ) {}

  static create(input: DebitEventRequest, nowMs: number): DebitEventCommand {
    const requestId = clientId('request_id', input.requestId);
    return new DebitEventCommand(requestId, ratingContext(input, nowMs), serviceUsage('service', input.service));
  }
}

/** Full refund of an earlier DebitEvent (REFUND_ACCOUNT), idempotent by its own request id. */
export class RefundEventCommand {
  private constructor(
    readonly requestId: string,
    readonly debitRequestId: string,
    readonly subscriberId: string,
  ) {}

  static create(input: RefundEventRequest): RefundEventCommand {
    const requestId = clientId('request_id', input.requestId);
    const debitRequestId = clientId('debit_request_id', input.debitRequestId);
    // Debits and refunds share one idempotency namespace per account.
    if (debitRequestId === requestId) throw new InvalidArgumentError('debit_request_id', 'must differ from request_id');
    return new RefundEventCommand(requestId, debitRequestId, subscriberId('subscriber', input.subscriber));
  }
}

/** A read-only question about one service: does the balance cover it (CHECK_BALANCE), what does it cost (PRICE_ENQUIRY). */
export class ServiceEnquiryCommand {
  private constructor(
    readonly context: RatingContext,
    readonly service: ServiceUsage,
  ) {}

  static create(input: CheckBalanceRequest | PriceEnquiryRequest, nowMs: number): ServiceEnquiryCommand {
    return new ServiceEnquiryCommand(ratingContext(input, nowMs), serviceUsage('service', input.service));
  }
}

/** Read of the subscriber's account balance. */
export class GetBalanceCommand {
  private constructor(readonly subscriberId: string) {}

  static create(input: GetBalanceRequest): GetBalanceCommand {
    return new GetBalanceCommand(subscriberId('subscriber', input.subscriber));
  }
}
