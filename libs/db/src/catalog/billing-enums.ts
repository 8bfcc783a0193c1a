/** Enumerations of the billing catalog, stored as TEXT with a CHECK constraint (Migration20261203000000_billing_catalog). */
export const TAX_CATEGORIES = ['STANDARD', 'REDUCED', 'EXEMPT', 'REVERSE_CHARGE'] as const;
export type TaxCategory = (typeof TAX_CATEGORIES)[number];

/** RECURRING: a fee per period; ACTIVATION and TERMINATION: once; INSTALMENT: N monthly parts (a handset lease). */
export const CHARGE_KINDS = ['RECURRING', 'ACTIVATION', 'TERMINATION', 'INSTALMENT'] as const;
export type ChargeKind = (typeof CHARGE_KINDS)[number];

export const CHARGE_PERIODS = ['MONTHLY', 'QUARTERLY', 'ANNUAL'] as const;
export type ChargePeriod = (typeof CHARGE_PERIODS)[number];

/** ADVANCE: billed at the start of the period it covers; ARREARS: at its end. */
export const CHARGE_BILLING = ['ADVANCE', 'ARREARS'] as const;
export type ChargeBilling = (typeof CHARGE_BILLING)[number];

/** PERCENT: a share of what it applies to; FIXED: an amount in minor units. */
export const DISCOUNT_KINDS = ['PERCENT', 'FIXED'] as const;
export type DiscountKind = (typeof DISCOUNT_KINDS)[number];

/** CHARGE: one product charge; SERVICE: the usage of one service; INVOICE: the whole invoice. */
export const DISCOUNT_SCOPES = ['CHARGE', 'SERVICE', 'INVOICE'] as const;
export type DiscountScope = (typeof DISCOUNT_SCOPES)[number];
