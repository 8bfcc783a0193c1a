/**
 * An InvoiceDraft (computeInvoiceDraft's output: stable line ids, compute's line kinds) as the
 * DraftDocument the document store writes (line numbers, the document tables' kinds). Pure.
 *
 * - Lines are numbered 1..n in the draft's order; a child points at its parent's number.
 * - Kinds: RECURRING_FEE and PRORATION_CREDIT are RECURRING lines (a credit is negative, or
 *   positive on a credit note), ONE_TIME_FEE is ONE_TIME, MINIMUM_COMMITMENT is MINIMUM.
 * - A SUBSCRIPTION line is a heading: amount 0, category NONE, rate 0; its children carry the money
 *   and their tax (so every line of a stored document sums to its net, the rule VALIDATE, the review
 *   queue, the renderers and the report read documents by). Its subtotal is the sum of its children.
 * - The document's usage amount is the sum of its USAGE lines.
 */
import type { DocumentType, DraftDocument, DraftLine as DocumentLine, LineKind as DocumentLineKind } from '../documents/document-types';
import { ComputeError, ComputeErrorCode } from './compute-error';
import type { InvoiceDraft, LineKind } from './compute-types';

const DOCUMENT_KIND: Record<LineKind, DocumentLineKind> = {
  SUBSCRIPTION: 'SUBSCRIPTION',
  RECURRING_FEE: 'RECURRING',
  PRORATION_CREDIT: 'RECURRING',
  ONE_TIME_FEE: 'ONE_TIME',
  USAGE: 'USAGE',
  DISCOUNT: 'DISCOUNT',
  MINIMUM_COMMITMENT: 'MINIMUM',
};

/** The same cycle and account give the same draft id, whatever the run or attempt. */
export function documentIdOf(cycleId: string, accountId: string): string {
  const id = `doc-${cycleId}-${accountId}`;
  return id.length <= 64 ? id : `doc-${hash(`${cycleId}|${accountId}`)}`;
}

function hash(s: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < s.length; i++) {
    h1 = Math.imul(h1 ^ s.charCodeAt(i), 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ s.charCodeAt(i), 0x811c9dc5) >>> 0;
  }
  return `${h1.toString(16).padStart(8, '0')}${h2.toString(16).padStart(8, '0')}`;
}

export interface DraftDocumentContext {
  cycleId: string;
  runId: string;
  legalEntityId: string;
  paymentTermsDays: number;
}

export function toDraftDocument(draft: InvoiceDraft, ctx: DraftDocumentContext): DraftDocument {
  const numbers = new Map<string, number>();
  draft.lines.forEach((l, i) => numbers.set(l.lineId, i + 1));
  const lines: DocumentLine[] = draft.lines.map((l, i) => {
    const parentLineNo = l.parentLineId === null ? null : (numbers.get(l.parentLineId) ?? null);
    if (l.parentLineId !== null && (parentLineNo === null || parentLineNo > i))
      throw new ComputeError(ComputeErrorCode.INVARIANT_BROKEN, `line ${l.lineId}: its parent ${l.parentLineId} does not come before it`);
    return {
      lineNo: i + 1,
      parentLineNo,
      kind: DOCUMENT_KIND[l.kind],
      description: l.description,
      quantity: l.quantity,
      unit: l.unit,
      unitPriceMinor: l.unitPriceMinor,
      amountMinor: l.kind === 'SUBSCRIPTION' ? 0n : l.amountMinor,
      discountMinor: l.discountMinor,
      taxCategory: l.taxCategory ?? 'NONE',
      taxRate: l.taxRate ?? '0',
      periodStart: l.period.start,
      periodEnd: l.period.end,
      subscriptionId: l.references.subscriptionId ?? null,
      chargeId: l.references.chargeId ?? null,
      usageKey: l.references.usageKey ?? null,
      discountId: l.references.discountId ?? null,
      late: l.late,
      reason: null,
    };
  });
  const type: DocumentType = draft.documentType;
  return {
    id: documentIdOf(ctx.cycleId, draft.accountId),
    idempotencyKey: `cycle|${ctx.cycleId}|${draft.accountId}`,
    accountId: draft.accountId,
    cycleId: ctx.cycleId,
    runId: ctx.runId,
    type,
    legalEntityId: ctx.legalEntityId,
    currency: draft.currency,
    netMinor: draft.netMinor,
    taxMinor: draft.taxMinor,
    grossMinor: draft.grossMinor,
    usageMinor: lines.filter((l) => l.kind === 'USAGE').reduce((a, l) => a + l.amountMinor, 0n),
    paymentTermsDays: ctx.paymentTermsDays,
    periodStart: draft.cycle.start,
    periodEnd: draft.cycle.end,
    correctsDocumentId: null,
    creditKind: type === 'CREDIT_NOTE' ? 'ACCOUNT_CREDIT' : null,
    lines,
    taxes: draft.taxSummary.map((t) => ({ taxCategory: t.category, taxRate: t.rate, taxableMinor: t.taxableMinor, taxMinor: t.taxMinor })),
  };
}
