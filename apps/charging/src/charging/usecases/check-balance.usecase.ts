/**
 * CheckBalance (CCR-Event CHECK_BALANCE): would a DebitEvent of this service pass now? The engine
 * prices it exactly as a debit (allowances, tiers, setup fee) and writes nothing, stores nothing.
 */
import { Inject, Injectable } from '@nestjs/common';
import { Clock, CLOCK } from '@app/observability';
import { BALANCE_ENGINE, BalanceEngine, ResultCode } from '../../balance/balance-engine.port';
import { ServiceEnquiryCommand } from '../commands/event-request.command';
import { requestHash } from '../request-hash';
import { SubscriberAccounts } from '../subscriber-accounts';
import { ratedEventCommand } from './rated-event';

export interface CheckBalanceAnswer {
  resultCode: ResultCode;
}

/** A check has no client id; the engine needs one to name keys, and stores nothing under it. */
const CHECK_REQUEST_ID_PREFIX = 'check-';

@Injectable()
export class CheckBalanceUseCase {
  constructor(
    @Inject(BALANCE_ENGINE) private readonly engine: BalanceEngine,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly accounts: SubscriberAccounts,
  ) {}

  async execute(command: ServiceEnquiryCommand): Promise<CheckBalanceAnswer> {
    const account = await this.accounts.resolve(command.context.subscriberId);
    if (!account) return { resultCode: 'USER_UNKNOWN' };
    const hash = requestHash('CheckBalance', command);
    const ids = { requestId: `${CHECK_REQUEST_ID_PREFIX}${hash.slice(0, 32)}`, requestHash: hash };
    const event = ratedEventCommand('CHECK', account, command, ids, this.clock.nowMs());
    return { resultCode: (await this.engine.event(event)).resultCode };
  }
}
