/**
 * PriceEnquiry (CCR-Event PRICE_ENQUIRY): the list price of a service for the subscriber's plan,
 * at the event time. Changes nothing and does not touch the balance: allowances and the tier
 * usage of the current cycle are not taken into account (the price is from the rate's first
 * tier), and the setup fee is included. Same rounding as a debit (@app/rating priceUnitsMicros).
 */
import { Inject, Injectable } from '@nestjs/common';
import { billableUnits, priceUnitsMicros, type UsageUnit } from '@app/rating';
import { Clock, CLOCK } from '@app/observability';
import type { ResultCode } from '../../balance/balance-engine.port';
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
    return { resultCode: 'SUCCESS', price: { micros, currency: account.route.currency }, unit: rate.unit };
  }
}
