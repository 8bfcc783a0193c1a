/** The engine command of a rated one-shot request (DebitEvent, CheckBalance): rate at the event time, cycle of that time. */
import type { EventCommand } from '../../balance/balance-engine.port';
import { cycleIdAt } from '@app/rating';
import type { RatingContext, ServiceUsage } from '../commands/field-rules';
import { rateService } from '../rate-service';
import type { SubscriberAccount } from '../subscriber-accounts';

export function ratedEventCommand(
  kind: 'DEBIT' | 'CHECK',
  account: SubscriberAccount,
  request: { context: RatingContext; service: ServiceUsage },
  ids: { requestId: string; requestHash: string },
  nowMs: number,
): EventCommand {
  const { route } = account;
  const atMs = request.context.eventTimeMs ?? nowMs;
  const event: EventCommand = {
    kind,
    accountId: route.accountId,
    subscriberId: account.subscriberId,
    requestId: ids.requestId,
    requestHash: ids.requestHash,
    nowMs,
    cycleId: cycleIdAt(atMs, route.timeZone, route.cycleDay),
    ratingGroup: request.service.ratingGroup,
    serviceId: request.service.serviceId,
    units: request.service.units,
  };
  const rate = rateService(account.plan, route, request.context, atMs, request.service);
  if (rate) event.rate = rate;
  return event;
}
