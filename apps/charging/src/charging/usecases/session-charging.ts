/**
 * What the three session use cases share: resolve the subscriber, rate each rating group at the
 * event time, fingerprint the request and hand it to the engine in one call (one Lua script).
 */
import { Inject, Injectable } from '@nestjs/common';
import { Clock, CLOCK } from '@app/observability';
import { BALANCE_ENGINE, BalanceEngine, RatingGroupRequest, RatingGroupResult, ResultCode } from '../../balance/balance-engine.port';
import { cycleIdAt } from '@app/rating';
import { DEFAULT_VALIDITY_MS, RESERVATION_GRACE_MS } from '../charging.limits';
import { SessionKind, SessionRequestCommand } from '../commands/session-request.command';
import { rateService } from '../rate-service';
import { requestHash } from '../request-hash';
import { SubscriberAccount, SubscriberAccounts } from '../subscriber-accounts';

/** Money with its currency, as answered to the client. */
export interface Amount {
  micros: bigint;
  currency: string;
}

export interface SessionAnswer {
  resultCode: ResultCode;
  /** In request order; empty when the subscriber is unknown. */
  ratingGroups: RatingGroupResult[];
  /** Balance after the request; absent when the subscriber is unknown. */
  balance?: Amount;
}

const RPC_NAMES: Record<SessionKind, string> = { START: 'StartSession', UPDATE: 'UpdateSession', TERMINATE: 'TerminateSession' };

@Injectable()
export class SessionCharging {
  constructor(
    @Inject(BALANCE_ENGINE) private readonly engine: BalanceEngine,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly accounts: SubscriberAccounts,
  ) {}

  async charge(command: SessionRequestCommand): Promise<SessionAnswer> {
    const account = await this.accounts.resolve(command.context.subscriberId);
    if (!account) return { resultCode: 'USER_UNKNOWN', ratingGroups: [] };
    const { route } = account;
    const nowMs = this.clock.nowMs();
    const atMs = command.context.eventTimeMs ?? nowMs;
    const result = await this.engine.charge({
      kind: command.kind,
      accountId: route.accountId,
      subscriberId: account.subscriberId,
      sessionId: command.sessionId,
      requestNumber: command.requestNumber,
      requestHash: requestHash(RPC_NAMES[command.kind], command),
      nowMs,
      validityMs: DEFAULT_VALIDITY_MS,
      graceMs: RESERVATION_GRACE_MS,
      cycleId: cycleIdAt(atMs, route.timeZone, route.cycleDay),
      ratingGroups: ratingGroups(command, account, atMs),
    });
    return {
      resultCode: result.resultCode,
      ratingGroups: result.ratingGroups,
      balance: { micros: result.balanceMicros, currency: route.currency },
    };
  }
}

function ratingGroups(command: SessionRequestCommand, account: SubscriberAccount, atMs: number): RatingGroupRequest[] {
  return command.services.map((s) => {
    const group: RatingGroupRequest = {
      ratingGroup: s.ratingGroup,
      serviceId: s.serviceId,
      requestedUnits: s.requestedUnits,
      usedUnits: s.usedUnits,
    };
    const rate = rateService(account.plan, account.route, command.context, atMs, s);
    if (rate) group.rate = rate;
    return group;
  });
}
