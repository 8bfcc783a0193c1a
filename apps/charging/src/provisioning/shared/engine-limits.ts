/**
 * What the balance engine refuses, checked before PostgreSQL commits, so that PostgreSQL never
 * holds a write the engine cannot apply (architecture invariant 11). The engine (topUp_v1,
 * upsertAccount_v2) refuses LIMIT_EXCEEDED when `balance` (plus the credit limit, for a postpaid
 * account) would exceed AMOUNT_MAX_MICROS; the credit limit itself is within [0, AMOUNT_MAX_MICROS]
 * and the opening balance within +/- AMOUNT_MAX_MICROS (parseMoney checks those on input).
 *
 * The balance is the engine's (Redis): what PostgreSQL knows is the ledger, not the usage since.
 * Reading it and then committing is safe because nothing concurrent raises a balance past what the
 * check saw, except what the check serialises with: top-ups (prepaid) hold the account row lock
 * across check and insert; debits only lower a balance. A refund can raise it back, but only to
 * where it stood before its debit; when one lands between the check and the credit, the engine
 * refuses the credit and the top-up is recorded as a projection failure (README).
 */
import { AMOUNT_MAX_MICROS } from '../../balance/balance-engine.port';
import { ProvisioningError, ProvisioningErrorCode } from '../provisioning-error';

const LIMIT = `AMOUNT_MAX_MICROS (${AMOUNT_MAX_MICROS} micros, the largest balance the balance engine holds exactly)`;

/** A top-up of `amountMicros` onto `balanceMicros` (plus top-ups still to be credited) stays within the engine's limit. */
export function checkTopUpHeadroom(p: { accountId: string; balanceMicros: bigint; pendingMicros: bigint; amountMicros: bigint }): void {
  const after = p.balanceMicros + p.pendingMicros + p.amountMicros;
  if (after <= AMOUNT_MAX_MICROS) return;
  const pending = p.pendingMicros === 0n ? '' : ` (with ${p.pendingMicros} micros of top-ups not yet credited)`;
  throw new ProvisioningError(
    ProvisioningErrorCode.BALANCE_LIMIT_EXCEEDED,
    `amount: a top-up of ${p.amountMicros} micros would take the balance of billing account ${p.accountId} from ` +
      `${p.balanceMicros}${pending} to ${after} micros, beyond ${LIMIT}`,
    { field: 'amount', accountId: p.accountId, limitMicros: String(AMOUNT_MAX_MICROS) },
  );
}

/** A postpaid account's balance plus its credit limit stays within the engine's limit. */
export function checkCreditHeadroom(p: { accountId: string; balanceMicros: bigint; creditLimitMicros: bigint; field: string }): void {
  const sum = p.balanceMicros + p.creditLimitMicros;
  if (sum <= AMOUNT_MAX_MICROS) return;
  throw new ProvisioningError(
    ProvisioningErrorCode.CREDIT_LIMIT_EXCEEDED,
    `${p.field}: balance ${p.balanceMicros} + credit limit ${p.creditLimitMicros} micros of billing account ${p.accountId} ` +
      `is ${sum} micros, beyond ${LIMIT}`,
    { field: p.field, accountId: p.accountId, limitMicros: String(AMOUNT_MAX_MICROS) },
  );
}
