import { createHash } from 'node:crypto';

/**
 * The identifier rules every app and lib shares: one home, imported wherever an id is checked
 * (provisioning REST, the balance engine's validation, CDR mediation, the database's CHECKs in
 * the initial migration say the same).
 */

/** Account (and every provisioned object's) id: subject tokens, `^[A-Za-z0-9_-]{1,64}$` (no `.`, `*`, `>` or spaces). */
export const ACCOUNT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** Longest account id. */
export const ACCOUNT_ID_MAX_LENGTH = 64;
/** MSISDN: E.164 digits without "+", 5-15, no leading zero. */
export const MSISDN_PATTERN = /^[1-9][0-9]{4,14}$/;
/** IMSI: exactly 15 digits. */
export const IMSI_PATTERN = /^[0-9]{15}$/;
/** A subscriber id on the charging wire: an MSISDN's digits (5-15) or an IMSI. */
export const SUBSCRIBER_ID_PATTERN = /^[0-9]{5,15}$/;

/** The longest row id of the billing and collections tables (their varchar(64) ids). */
export const ROW_ID_MAX_LENGTH = 64;

/**
 * An id derived from a key (the same key, the same id): `plain` when there is one and it has at most
 * ROW_ID_MAX_LENGTH characters (an id that keeps the keys' order, so inserts append to its index), else
 * `prefix` and 40 hex digits of SHA-1 of `hashed`. The caller's plain form must never look like a hash
 * (payments, ledger transactions and collections events each keep a character no hash has). Pure.
 */
export function derivedId(prefix: string, plain: string | undefined, hashed: string): string {
  if (plain !== undefined && plain.length <= ROW_ID_MAX_LENGTH) return plain;
  return `${prefix}${createHash('sha1').update(hashed).digest('hex').slice(0, 40)}`;
}
