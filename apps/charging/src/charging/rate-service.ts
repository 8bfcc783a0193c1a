/**
 * Compiles the rate of one service for the engine. A usage no element of the plan prices (or a
 * missing plan, or a unit the client counts in that is not the rate's) has no rate: the engine then
 * answers that rating group RATING_FAILED. Other rating errors propagate to the error mapper.
 */
import { compileRate, RatingError, RatingErrorCode, type CompiledRate, type PricePlan, type UsageUnit } from '@app/rating';
import type { SubscriberRoute } from '../balance/balance-engine.port';
import type { RatingContext } from './commands/field-rules';

export interface RatedService {
  ratingGroup: number;
  serviceId: number;
  /** Unit the client counts in; undefined = whatever the rate says. */
  unit?: UsageUnit;
}

export function rateService(
  plan: PricePlan | undefined,
  route: SubscriberRoute,
  context: RatingContext,
  atMs: number,
  service: RatedService,
): CompiledRate | undefined {
  if (!plan) return undefined;
  let rate: CompiledRate;
  try {
    rate = compileRate(plan, {
      ratingGroup: service.ratingGroup,
      serviceId: service.serviceId,
      calledNumber: context.calledNumber,
      atMs,
      timeZone: route.timeZone,
      roaming: context.roaming,
    });
  } catch (err) {
    if (err instanceof RatingError && err.code === RatingErrorCode.NO_RATE) return undefined;
    throw err;
  }
  return service.unit === undefined || service.unit === rate.unit ? rate : undefined;
}
