/**
 * The general-ledger accounts collections posts to (ledger_posting.account_code), beside invoicing's
 * AR, REVENUE and TAX_PAYABLE. Signed amounts: debit > 0, credit < 0.
 *
 * A payment received is one transaction: BANK is debited with the amount; AR of the account is
 * credited with what documents took, UNAPPLIED_CASH of the account with what they did not (account
 * credit), or SUSPENSE (no party) with the whole amount when nobody could be identified. So, per
 * account, AR is what its documents still owe and AR + UNAPPLIED_CASH its net receivable.
 */
export const LEDGER_ACCOUNT = {
  BANK: 'BANK',
  AR: 'AR',
  UNAPPLIED_CASH: 'UNAPPLIED_CASH',
  SUSPENSE: 'SUSPENSE',
  /** Receivables written off by dunning (an expense); a write-off is a payment of channel WRITE_OFF. */
  WRITE_OFF: 'WRITE_OFF',
} as const;

export const PAYMENT_RECEIVED_KIND = 'PAYMENT_RECEIVED';

export interface LedgerLeg {
  account: string;
  party: string | null;
  amountMinor: bigint;
}

/** The legs of a payment received; asserts they sum to zero (a broken rule is a crash, not wrong money). Pure. */
export function paymentReceivedLegs(p: { amountMinor: bigint; allocatedMinor: bigint; accountId: string | null }): LedgerLeg[] {
  const unapplied = p.amountMinor - p.allocatedMinor;
  if (p.allocatedMinor < 0n || unapplied < 0n) throw new Error(`payment legs: allocated ${p.allocatedMinor} outside 0..${p.amountMinor}`);
  if (p.accountId === null && p.allocatedMinor !== 0n) throw new Error('payment legs: an unidentified payment cannot be allocated');
  const legs: LedgerLeg[] = [
    { account: LEDGER_ACCOUNT.BANK, party: null, amountMinor: p.amountMinor },
    { account: LEDGER_ACCOUNT.AR, party: p.accountId, amountMinor: -p.allocatedMinor },
    p.accountId === null
      ? { account: LEDGER_ACCOUNT.SUSPENSE, party: null, amountMinor: -unapplied }
      : { account: LEDGER_ACCOUNT.UNAPPLIED_CASH, party: p.accountId, amountMinor: -unapplied },
  ].filter((l) => l.amountMinor !== 0n);
  const sum = legs.reduce((s, l) => s + l.amountMinor, 0n);
  if (sum !== 0n) throw new Error(`payment legs sum to ${sum}, not zero`);
  return legs;
}
