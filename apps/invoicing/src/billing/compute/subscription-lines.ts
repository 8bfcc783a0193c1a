/** Fee, one-time and usage lines of one subscription, children of its SUBSCRIPTION line. */
import { ComputeError, ComputeErrorCode } from './compute-error';
import type { AdvanceBilling, ComputeInput, DraftLine, OneTimeCharge, Product, Subscription, UsageAggregate } from './compute-types';
import { leafLine, microsToMinor } from './line-factory';
import { dayNumber, fromDayNumber } from './local-date';
import { recurringFeeLines } from './recurring-fees';
import type { Timeline } from './timeline';

export interface SubscriptionParams {
  input: ComputeInput;
  products: Map<string, Product>;
  subscription: Subscription;
  timeline: Timeline;
  field: string;
}

export function subscriptionLineId(subscriptionId: string): string {
  return `sub:${subscriptionId}`;
}

export function usageKey(u: UsageAggregate): string {
  return [u.subscriptionId, u.service, u.ratingGroup, u.zone, u.tariff, u.unit].join('|') + (u.late ? '|late' : '');
}

/** Children of one subscription, in a fixed order: recurring, one-time, usage. */
export function subscriptionChildLines(p: SubscriptionParams): DraftLine[] {
  return [...recurringLines(p), ...oneTimeLines(p), ...usageLines(p)];
}

function recurringLines(p: SubscriptionParams): DraftLine[] {
  const { input, subscription, timeline } = p;
  const lines: DraftLine[] = [];
  for (const productId of new Set(timeline.productIds)) {
    for (const charge of p.products.get(productId)!.charges) {
      if (charge.kind !== 'RECURRING') continue;
      const prior: AdvanceBilling[] = input.priorAdvanceBillings.filter(
        (b) => b.subscriptionId === subscription.id && b.chargeId === charge.id,
      );
      const credited = (input.priorCredits ?? []).filter((c) => c.subscriptionId === subscription.id && c.chargeId === charge.id);
      lines.push(
        ...recurringFeeLines({
          subscriptionId: subscription.id,
          parentLineId: subscriptionLineId(subscription.id),
          productId,
          charge,
          timeline,
          cycle: input.cycle,
          anchor: subscription.recurringAnchor ?? input.cycle.start,
          prior,
          credited: credited.map((c) => c.period),
        }),
      );
    }
  }
  return lines;
}

function oneTimeLines(p: SubscriptionParams): DraftLine[] {
  const { input, subscription, timeline } = p;
  const startDay = dayNumber(input.cycle.start);
  const inCycle = (day: number | null): boolean => day !== null && day >= startDay;
  const lines: DraftLine[] = [];
  const charges = (productId: string, kind: OneTimeCharge['kind']): OneTimeCharge[] =>
    p.products.get(productId)!.charges.filter((c): c is OneTimeCharge => c.kind === kind);
  if (inCycle(timeline.activationDay)) {
    for (const c of charges(subscription.productId, 'ACTIVATION'))
      lines.push(oneTime(p, c, c.amountMinor, timeline.activationDay!, c.description));
  }
  if (inCycle(timeline.cancellationDay)) {
    const productId = timeline.stateOn(timeline.cancellationDay!).productId;
    for (const c of charges(productId, 'TERMINATION')) lines.push(oneTime(p, c, c.amountMinor, timeline.cancellationDay!, c.description));
  }
  (subscription.instalmentsDue ?? []).forEach((due, i) => {
    const f = `${p.field}.instalmentsDue[${i}]`;
    const charge = timeline.productIds.flatMap((id) => charges(id, 'INSTALMENT')).find((c) => c.id === due.chargeId);
    if (!charge)
      throw new ComputeError(
        ComputeErrorCode.INVALID_INPUT,
        `${f}.chargeId: no INSTALMENT charge ${JSON.stringify(due.chargeId)} on the subscription's products`,
        f,
      );
    const parts = charge.parts!;
    if (!Number.isInteger(due.partIndex) || due.partIndex < 1 || due.partIndex > parts) {
      throw new ComputeError(ComputeErrorCode.INVALID_INPUT, `${f}.partIndex: expected an integer in 1..${parts}`, f);
    }
    // Equal parts rounded down; the last part takes the remainder, so the parts sum to the total.
    const base = charge.amountMinor / BigInt(parts);
    const amount = due.partIndex === parts ? charge.amountMinor - base * BigInt(parts - 1) : base;
    lines.push(oneTime(p, charge, amount, null, `${charge.description}, part ${due.partIndex}/${parts}`, due.partIndex));
  });
  return lines;
}

function oneTime(
  p: SubscriptionParams,
  c: OneTimeCharge,
  amount: bigint,
  day: number | null,
  description: string,
  part?: number,
): DraftLine {
  const period = day === null ? p.input.cycle : { start: fromDayNumber(day), end: fromDayNumber(day + 1) };
  const parent = subscriptionLineId(p.subscription.id);
  return leafLine({
    lineId: `${parent}/one-time:${c.id}${part === undefined ? '' : `:part-${part}`}`,
    parentLineId: parent,
    kind: 'ONE_TIME_FEE',
    description,
    quantity: '1',
    unit: c.kind === 'INSTALMENT' ? 'PART' : 'EA',
    amountMinor: amount,
    taxCategory: c.taxCategory,
    period,
    references: { subscriptionId: p.subscription.id, chargeId: c.id },
  });
}

/** One line per usage aggregate: micros -> minor units once, half away from zero. */
function usageLines(p: SubscriptionParams): DraftLine[] {
  const parent = subscriptionLineId(p.subscription.id);
  return p.input.usage
    .filter((u) => u.subscriptionId === p.subscription.id)
    .map((u) =>
      leafLine({
        lineId: `${parent}/usage:${usageKey(u)}`,
        parentLineId: parent,
        kind: 'USAGE',
        description: `${u.service} ${u.ratingGroup} ${u.zone} ${u.tariff}${u.late ? ' (late)' : ''}`,
        quantity: u.quantity,
        unit: u.unit,
        amountMinor: microsToMinor(u.amountMicros, p.input.account.currency),
        taxCategory: u.taxCategory,
        period: u.period ?? p.input.cycle,
        references: { subscriptionId: u.subscriptionId, usageKey: usageKey(u), service: u.service },
        late: u.late,
      }),
    );
}
