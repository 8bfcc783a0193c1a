/** Rules shared by the account commands: money fields of an account and what its type allows. */
import type { AccountType } from '@app/db';
import { ProvisioningError } from '../provisioning-error';
import { parseMoneyField } from '../shared/money-view';

/**
 * Thresholds parsed, no duplicates, sorted descending (the order notifications cross them).
 * Negative ones are allowed: a postpaid balance goes below zero towards minus the credit limit.
 */
export function parseThresholds(texts: readonly string[]): bigint[] {
  const values = texts.map((t, i) => parseMoneyField(`thresholds.${i}`, t));
  const seen = new Set<bigint>();
  values.forEach((v, i) => {
    if (seen.has(v)) throw ProvisioningError.invalid(`thresholds.${i}`, 'duplicate threshold');
    seen.add(v);
  });
  return values.sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
}

/** A credit limit is >= 0, and 0 for a prepaid account (its floor is zero). */
export function parseCreditLimit(type: AccountType, text: string | undefined): bigint {
  if (text === undefined) return 0n;
  const micros = parseMoneyField('creditLimit', text, { min: 0n });
  if (type === 'PREPAID' && micros !== 0n) throw ProvisioningError.invalid('creditLimit', 'must be 0 for a PREPAID account');
  return micros;
}
