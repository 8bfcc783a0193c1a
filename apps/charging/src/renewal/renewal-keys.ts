/**
 * The idempotency keys of a renewal: the balance engine's requestId (one per subscription, charge
 * and period) and the id of each bucket it grants (one per renewal and allowance template). Hashed,
 * because the ids they join may be 64 characters each and a requestId holds 128.
 */
import { createHash } from 'node:crypto';

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');

export function renewalKeyOf(p: { subscriptionId: string; chargeId: string; periodStart: string }): string {
  return `rnw-${sha1(`${p.subscriptionId}|${p.chargeId}|${p.periodStart}`)}`;
}

export function renewalBucketIdOf(renewalKey: string, allowanceId: string): string {
  return `rnb-${sha1(`${renewalKey}|${allowanceId}`)}`;
}
