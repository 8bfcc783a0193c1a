/** Query strings and bodies of the documents and review API, validated; a bad one names its field and changes nothing. */
import { BillingError } from '../documents/billing-error';
import {
  CREDIT_KINDS,
  type CreditKind,
  DOCUMENT_STATUSES,
  DOCUMENT_TYPES,
  TAX_CATEGORIES,
  type TaxCategory,
} from '../documents/document-types';
import {
  DOCUMENT_SORTS,
  DOCUMENTS_PAGE_DEFAULT,
  DOCUMENTS_PAGE_MAX,
  type DocumentFilter,
  type NoteRequest,
  ADVANCE_KINDS,
  type AdvanceKind,
  type AdvanceRequest,
  OPERATOR_AMOUNT_MAX_MINOR,
  OPERATOR_TEXT_MAX_LENGTH,
} from '../documents/document-service';

const ID = /^[A-Za-z0-9_.-]{1,64}$/;
/** Offset of a page, at most (deeper pages: narrow the filter). */
export const DOCUMENTS_OFFSET_MAX = 100_000;
/** Longest Idempotency-Key header. */
export const IDEMPOTENCY_KEY_MAX_LENGTH = 128;

import { date, int, one, oneOf, type Raw } from './query';

function minor(v: unknown, name: string, allowNegative = false): bigint {
  const text = typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : v;
  if (typeof text !== 'string' || !(allowNegative ? /^-?\d{1,15}$/ : /^\d{1,15}$/).test(text))
    throw BillingError.invalid(name, `an integer of minor units${allowNegative ? '' : ', not negative'} (a string of digits)`);
  const n = BigInt(text);
  if (n > OPERATOR_AMOUNT_MAX_MINOR || -n > OPERATOR_AMOUNT_MAX_MINOR)
    throw BillingError.invalid(name, `at most ${OPERATOR_AMOUNT_MAX_MINOR} in absolute value`);
  return n;
}

export function idParam(v: unknown, name = 'documentId'): string {
  if (typeof v !== 'string' || !ID.test(v)) throw BillingError.invalid(name, `must match ${ID.source}`);
  return v;
}

export function documentFilter(q: Raw): DocumentFilter {
  const allowed = ['accountId', 'status', 'type', 'cycleId', 'issuedFrom', 'issuedTo', 'grossMin', 'grossMax', 'sort', 'limit', 'offset'];
  const unknown = Object.keys(q).find((k) => !allowed.includes(k));
  if (unknown !== undefined) throw BillingError.invalid(unknown, `unknown parameter; allowed: ${allowed.join(', ')}`);
  const accountId = one(q, 'accountId');
  if (accountId !== undefined) idParam(accountId, 'accountId');
  const cycleId = one(q, 'cycleId');
  if (cycleId !== undefined) idParam(cycleId, 'cycleId');
  const grossMin = one(q, 'grossMin');
  const grossMax = one(q, 'grossMax');
  const f: DocumentFilter = {
    ...(accountId === undefined ? {} : { accountId }),
    ...(cycleId === undefined ? {} : { cycleId }),
    status: oneOf(q, 'status', DOCUMENT_STATUSES),
    type: oneOf(q, 'type', DOCUMENT_TYPES),
    issuedFrom: date(q, 'issuedFrom'),
    issuedTo: date(q, 'issuedTo'),
    grossMinMinor: grossMin === undefined ? undefined : minor(grossMin, 'grossMin'),
    grossMaxMinor: grossMax === undefined ? undefined : minor(grossMax, 'grossMax'),
    sort: oneOf(q, 'sort', DOCUMENT_SORTS) ?? '-issueDate',
    limit: int(q, 'limit', 1, DOCUMENTS_PAGE_MAX, DOCUMENTS_PAGE_DEFAULT),
    offset: int(q, 'offset', 0, DOCUMENTS_OFFSET_MAX, 0),
  };
  if (f.issuedFrom && f.issuedTo && f.issuedFrom > f.issuedTo) throw BillingError.invalid('issuedTo', 'must not be before issuedFrom');
  if (f.grossMinMinor !== undefined && f.grossMaxMinor !== undefined && f.grossMinMinor > f.grossMaxMinor)
    throw BillingError.invalid('grossMax', 'must not be below grossMin');
  for (const k of Object.keys(f) as (keyof DocumentFilter)[]) if (f[k] === undefined) delete f[k];
  return f;
}

function body(b: unknown, allowed: readonly string[]): Raw {
  if (b === undefined || b === null || typeof b !== 'object' || Array.isArray(b))
    throw BillingError.invalid('body', 'must be a JSON object');
  const unknown = Object.keys(b).find((k) => !allowed.includes(k));
  if (unknown !== undefined) throw BillingError.invalid(unknown, `unknown field; allowed: ${allowed.join(', ')}`);
  return b as Raw;
}

function text(v: unknown, name: string): string {
  if (typeof v !== 'string' || v.trim().length === 0 || v.length > OPERATOR_TEXT_MAX_LENGTH)
    throw BillingError.invalid(name, `required text of 1 to ${OPERATOR_TEXT_MAX_LENGTH} characters`);
  return v.trim();
}

export function reasonBody(b: unknown): { reason: string } {
  const r = body(b, ['reason']);
  return { reason: text(r.reason, 'reason') };
}

export function manualLineBody(b: unknown): {
  description: string;
  amountMinor: bigint;
  taxCategory: TaxCategory;
  taxRate: string;
  reason: string;
} {
  const r = body(b, ['description', 'amountMinor', 'taxCategory', 'taxRate', 'reason']);
  const taxCategory = (r.taxCategory ?? 'STANDARD') as TaxCategory;
  if (!(TAX_CATEGORIES as readonly string[]).includes(taxCategory))
    throw BillingError.invalid('taxCategory', `one of ${TAX_CATEGORIES.join(', ')}`);
  const taxRate = r.taxRate ?? '0';
  if (typeof taxRate !== 'string' || !/^0(\.\d{1,6})?$/.test(taxRate))
    throw BillingError.invalid('taxRate', 'a decimal fraction below 1, e.g. "0.2"');
  if (['EXEMPT', 'REVERSE_CHARGE', 'NONE'].includes(taxCategory) && Number(taxRate) !== 0)
    throw BillingError.invalid('taxRate', `must be 0 for ${taxCategory}`);
  const amountMinor = minor(r.amountMinor, 'amountMinor', true);
  if (amountMinor === 0n) throw BillingError.invalid('amountMinor', 'must not be zero');
  return { description: text(r.description, 'description'), amountMinor, taxCategory, taxRate, reason: text(r.reason, 'reason') };
}

function idempotencyKeyHeader(v: unknown): asserts v is string {
  if (typeof v !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(v))
    throw BillingError.invalid('Idempotency-Key', `header required: 1-${IDEMPOTENCY_KEY_MAX_LENGTH} visible ASCII characters`);
}

export function noteBody(b: unknown, idempotencyKey: unknown, credit: boolean): NoteRequest {
  const r = body(b, credit ? ['netMinor', 'reason', 'creditKind'] : ['netMinor', 'reason']);
  idempotencyKeyHeader(idempotencyKey);
  const netMinor = minor(r.netMinor, 'netMinor');
  if (netMinor === 0n) throw BillingError.invalid('netMinor', 'must be above zero');
  let creditKind: CreditKind | undefined;
  if (r.creditKind !== undefined) {
    if (!(CREDIT_KINDS as readonly unknown[]).includes(r.creditKind))
      throw BillingError.invalid('creditKind', `one of ${CREDIT_KINDS.join(', ')}`);
    creditKind = r.creditKind as CreditKind;
  }
  return { netMinor, reason: text(r.reason, 'reason'), idempotencyKey, ...(creditKind === undefined ? {} : { creditKind }) };
}

export function advanceBody(b: unknown, idempotencyKey: unknown): AdvanceRequest {
  const r = body(b, ['kind', 'netMinor', 'description']);
  idempotencyKeyHeader(idempotencyKey);
  if (!(ADVANCE_KINDS as readonly unknown[]).includes(r.kind)) throw BillingError.invalid('kind', `one of ${ADVANCE_KINDS.join(', ')}`);
  const netMinor = minor(r.netMinor, 'netMinor');
  if (netMinor === 0n) throw BillingError.invalid('netMinor', 'must be above zero');
  return { kind: r.kind as AdvanceKind, netMinor, description: text(r.description, 'description'), idempotencyKey };
}

export function lineNoParam(v: unknown): number {
  if (typeof v !== 'string' || !/^\d{1,5}$/.test(v) || Number(v) < 1) throw BillingError.invalid('lineNo', 'a line number from 1');
  return Number(v);
}
