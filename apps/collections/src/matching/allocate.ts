/**
 * How a payment is spread over the open documents its matching found: pure, no I/O.
 *
 * Targets come oldest first. A payment whose amount equals the open amount of exactly one target is
 * applied to that one alone (rule "exact amount"; the oldest when several are equal). Otherwise it
 * pays the targets oldest first, each up to its open amount, and the last one reached may be paid in
 * part (PARTIALLY_PAID). What is left over after every target is paid is unapplied account credit.
 */
export interface OpenDocument {
  id: string;
  /** gross_minor - paid_minor, > 0 */
  openMinor: bigint;
}

export interface Allocation {
  documentId: string;
  amountMinor: bigint;
}

export interface AllocationPlan {
  allocations: Allocation[];
  unappliedMinor: bigint;
  /** True when one document took the whole payment because its open amount was exactly the payment's. */
  exactAmount: boolean;
}

export function allocatePayment(p: { amountMinor: bigint; targets: readonly OpenDocument[]; preferExactAmount: boolean }): AllocationPlan {
  if (p.amountMinor <= 0n) throw new RangeError(`allocatePayment: amount ${p.amountMinor} must be positive`);
  const exact = p.preferExactAmount ? p.targets.find((d) => d.openMinor === p.amountMinor) : undefined;
  if (exact !== undefined)
    return { allocations: [{ documentId: exact.id, amountMinor: p.amountMinor }], unappliedMinor: 0n, exactAmount: true };
  const allocations: Allocation[] = [];
  let left = p.amountMinor;
  for (const d of p.targets) {
    if (left === 0n) break;
    if (d.openMinor <= 0n) throw new RangeError(`allocatePayment: document ${d.id} has no open amount`);
    const take = d.openMinor < left ? d.openMinor : left;
    allocations.push({ documentId: d.id, amountMinor: take });
    left -= take;
  }
  return { allocations, unappliedMinor: left, exactAmount: false };
}
