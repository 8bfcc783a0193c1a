/** DebitEvent (CCR-Event DIRECT_DEBITING): rates one event and debits it in one engine call. Idempotent by request_id. */
import { Inject, Injectable } from '@nestjs/common';
import { Clock, CLOCK } from '@app/observability';
import { BALANCE_ENGINE, BalanceEngine, ResultCode } from '../../balance/balance-engine.port';
import { DebitEventCommand } from '../commands/event-request.command';
import { requestHash } from '../request-hash';
import { SubscriberAccounts } from '../subscriber-accounts';
import { ratedEventCommand } from './rated-event';
import { Amount } from './session-charging';

export interface DebitEventAnswer {
  resultCode: ResultCode;
  debitedMicros: bigint;
  allowanceUnits: number;
  /** Balance after the debit; absent when the subscriber is unknown. */
  balance?: Amount;
}

@Injectable()
export class DebitEventUseCase {
  constructor(
    @Inject(BALANCE_ENGINE) private readonly engine: BalanceEngine,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly accounts: SubscriberAccounts,
  ) {}

  async execute(command: DebitEventCommand): Promise<DebitEventAnswer> {
    const account = await this.accounts.resolve(command.context.subscriberId);
    if (!account) return { resultCode: 'USER_UNKNOWN', debitedMicros: 0n, allowanceUnits: 0 };
    const ids = { requestId: command.requestId, requestHash: requestHash('DebitEvent', command) };
    const event = ratedEventCommand('DEBIT', account, command, ids, this.clock.nowMs());
    const result = await this.engine.event(event);
    return {
      resultCode: result.resultCode,
      debitedMicros: result.debitedMicros,
      allowanceUnits: result.allowanceUnits,
      balance: { micros: result.balanceMicros, currency: account.route.currency },
    };
  }
}
