/** RefundEvent (CCR-Event REFUND_ACCOUNT): gives back in full what an earlier DebitEvent took. Idempotent by request_id. */
import { Inject, Injectable } from '@nestjs/common';
import { Clock, CLOCK } from '@app/observability';
import { BALANCE_ENGINE, BalanceEngine, ResultCode } from '../../balance/balance-engine.port';
import { cycleIdAt } from '@app/rating';
import { RefundEventCommand } from '../commands/event-request.command';
import { requestHash } from '../request-hash';
import { SubscriberAccounts } from '../subscriber-accounts';
import { Amount } from './session-charging';

export interface RefundEventAnswer {
  resultCode: ResultCode;
  /** Money given back, positive. */
  refundedMicros: bigint;
  /** Balance after the refund; absent when the subscriber is unknown. */
  balance?: Amount;
}

@Injectable()
export class RefundEventUseCase {
  constructor(
    @Inject(BALANCE_ENGINE) private readonly engine: BalanceEngine,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly accounts: SubscriberAccounts,
  ) {}

  async execute(command: RefundEventCommand): Promise<RefundEventAnswer> {
    const route = await this.accounts.route(command.subscriberId);
    if (!route) return { resultCode: 'USER_UNKNOWN', refundedMicros: 0n };
    const nowMs = this.clock.nowMs();
    // The engine finds rating group, units and amount in the debit's record; the refund carries none.
    const result = await this.engine.event({
      kind: 'REFUND',
      accountId: route.accountId,
      subscriberId: command.subscriberId,
      requestId: command.requestId,
      requestHash: requestHash('RefundEvent', command),
      nowMs,
      cycleId: cycleIdAt(nowMs, route.timeZone, route.cycleDay),
      ratingGroup: 0,
      serviceId: 0,
      units: 0,
      refundOfRequestId: command.debitRequestId,
    });
    return {
      resultCode: result.resultCode,
      refundedMicros: -result.debitedMicros,
      balance: { micros: result.balanceMicros, currency: route.currency },
    };
  }
}
