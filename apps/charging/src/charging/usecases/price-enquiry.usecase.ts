/**
 * PriceEnquiry (CCR-Event PRICE_ENQUIRY): the list price of a service for the subscriber's plan,
 * at the event time. Changes nothing and does not touch the balance: allowances and the tier
 * usage of the current cycle are not taken into account (the price is from the rate's first
 * tier), and the setup fee is included. Same rounding as a debit (@app/rating priceUnitsMicros).
 *
 * A price beyond AMOUNT_MAX_MICROS is no price the engine charges: it saturates such a price, so a
 * DebitEvent (or CheckBalance) of the same units answers CREDIT_LIMIT_REACHED on any account. The
 * enquiry refuses it with OUT_OF_RANGE naming the limit (RatingError OUT_OF_RANGE, grpc-status.mapper)
 * instead of an exact price no debit could take (and which, beyond int64, could not even be sent).
 */
import { Inject, Injectable } from '@nestjs/common';
import { billableUnits, priceUnitsMicros, RatingError, RatingErrorCode, type UsageUnit } from '@app/rating';
import { Clock, CLOCK } from '@app/observability';
import { AMOUNT_MAX_MICROS, type ResultCode } from '../../balance/balance-engine.port';
import { ServiceEnquiryCommand } from '../commands/event-request.command';
import { rateService } from '../rate-service';
import { SubscriberAccounts } from '../subscriber-accounts';
import { Amount } from './session-charging';

export interface PriceEnquiryAnswer {
  resultCode: ResultCode;
  /** Present with SUCCESS. */
  price?: Amount;
  unit?: UsageUnit;
}

@Injectable()
export class PriceEnquiryUseCase {
  constructor(
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly accounts: SubscriberAccounts,
  ) {}

  async execute(command: ServiceEnquiryCommand): Promise<PriceEnquiryAnswer> {
    const account = await this.accounts.resolve(command.context.subscriberId);
    if (!account) return { resultCode: 'USER_UNKNOWN' };
    const atMs = command.context.eventTimeMs ?? this.clock.nowMs();
    const rate = rateService(account.plan, account.route, command.context, atMs, command.service);
    if (!rate) return { resultCode: 'RATING_FAILED' };
    const billable = billableUnits(command.service.units, rate.firstUnits, rate.nextUnits);
    const micros = BigInt(rate.setupMicros) + priceUnitsMicros(rate, billable, 0);
    if (micros > AMOUNT_MAX_MICROS) {
      throw new RatingError(
        RatingErrorCode.OUT_OF_RANGE,
        `service.units: ${command.service.units} units cost ${micros} micros, beyond AMOUNT_MAX_MICROS ` +
          `(${AMOUNT_MAX_MICROS} micros), the largest amount the engine charges; a DebitEvent of them answers CREDIT_LIMIT_REACHED`,
      );
    }
    return { resultCode: 'SUCCESS', price: { micros, currency: account.route.currency }, unit: rate.unit };
  }
}
