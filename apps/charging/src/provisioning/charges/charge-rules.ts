/** Which fields each kind of charge carries (the migration's CHECK on product_charge says the same). */
import type { ChargeBilling, ChargeKind, ChargePeriod } from '@app/db/catalog';
import { INSTALMENT_COUNT_MAX, INSTALMENT_COUNT_MIN } from '../billing-catalog/billing-catalog.limits';
import { ProvisioningError } from '../provisioning-error';

export interface ChargeShape {
  kind: ChargeKind;
  period: ChargePeriod | null;
  billing: ChargeBilling | null;
  prorated: boolean | null;
  instalmentCount: number | null;
}

type ShapeInput = { kind: ChargeKind; period?: ChargePeriod; billing?: ChargeBilling; prorated?: boolean; instalmentCount?: number };

function refuseFields(input: ShapeInput, fields: ReadonlyArray<keyof ShapeInput>): void {
  for (const f of fields) if (input[f] !== undefined) throw ProvisioningError.invalid(f, `not allowed for a ${input.kind} charge`);
}

/** The shape of a charge, or INVALID_ARGUMENT naming the first field that is missing or not allowed. */
export function chargeShape(input: ShapeInput): ChargeShape {
  if (input.kind === 'RECURRING') {
    refuseFields(input, ['instalmentCount']);
    if (input.period === undefined) throw ProvisioningError.invalid('period', 'required for a RECURRING charge');
    if (input.billing === undefined) throw ProvisioningError.invalid('billing', 'required for a RECURRING charge');
    if (input.prorated === undefined) throw ProvisioningError.invalid('prorated', 'required for a RECURRING charge');
    return { kind: input.kind, period: input.period, billing: input.billing, prorated: input.prorated, instalmentCount: null };
  }
  refuseFields(input, ['period', 'billing', 'prorated']);
  if (input.kind !== 'INSTALMENT') {
    refuseFields(input, ['instalmentCount']);
    return { kind: input.kind, period: null, billing: null, prorated: null, instalmentCount: null };
  }
  const n = input.instalmentCount;
  if (n === undefined) throw ProvisioningError.invalid('instalmentCount', 'required for an INSTALMENT charge');
  if (n < INSTALMENT_COUNT_MIN || n > INSTALMENT_COUNT_MAX) {
    throw ProvisioningError.invalid('instalmentCount', `must be between ${INSTALMENT_COUNT_MIN} and ${INSTALMENT_COUNT_MAX}`);
  }
  return { kind: input.kind, period: null, billing: null, prorated: null, instalmentCount: n };
}
