/** GetBalance: the money balance, allowance buckets and open reservations of the subscriber's account. Changes nothing. */
import { Inject, Injectable } from '@nestjs/common';
import { Clock, CLOCK } from '@app/observability';
import { BALANCE_ENGINE, BalanceEngine, BalanceView } from '../../balance/balance-engine.port';
import { GetBalanceCommand } from '../commands/event-request.command';
import { SubscriberAccounts } from '../subscriber-accounts';

/** The account's view, or undefined when the subscriber (or its account) is unknown. */
export type GetBalanceAnswer = BalanceView | undefined;

@Injectable()
export class GetBalanceUseCase {
  constructor(
    @Inject(BALANCE_ENGINE) private readonly engine: BalanceEngine,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly accounts: SubscriberAccounts,
  ) {}

  async execute(command: GetBalanceCommand): Promise<GetBalanceAnswer> {
    const route = await this.accounts.route(command.subscriberId);
    if (!route) return undefined;
    return this.engine.getBalance(route.accountId, this.clock.nowMs());
  }
}
