/** A price plan from a request: size-checked, then validated by @app/rating (RatingError names the JSON path). */
import { parsePricePlan, type PricePlan } from '@app/rating';
import { PRICE_PLAN_JSON_MAX_BYTES } from '../provisioning.limits';
import { ProvisioningError } from '../provisioning-error';

export function parsePlanInput(json: unknown): PricePlan {
  const bytes = Buffer.byteLength(JSON.stringify(json) ?? '', 'utf8');
  if (bytes > PRICE_PLAN_JSON_MAX_BYTES)
    throw ProvisioningError.invalid('plan', `is ${bytes} bytes of JSON; at most ${PRICE_PLAN_JSON_MAX_BYTES}`);
  return parsePricePlan(json);
}
