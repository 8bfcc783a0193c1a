/** The matching rules, in the order they are tried (payment.match_rule). */
export const MATCH_RULES = ['RF_REFERENCE', 'DOCUMENT_NUMBER', 'ACCOUNT_EXACT_AMOUNT', 'ACCOUNT_OLDEST_FIRST'] as const;
/** The rule of a suspense payment an operator allocated (allocate-by-hand.ts). */
export const BY_HAND_RULE = 'BY_HAND';
export type MatchRule = (typeof MATCH_RULES)[number];

export const PAYMENT_STATUSES = ['SUSPENSE', 'UNAPPLIED', 'ALLOCATED', 'RETURNED', 'REFUNDED'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];
