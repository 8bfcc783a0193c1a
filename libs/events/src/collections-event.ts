/**
 * `ratel.collections.v1`: what collections tells the rest of Ratel (and an operator's own systems)
 * about money coming in and the chase of what is overdue. Written by apps/collections to its outbox
 * (`collections_outbox`) in the transaction of the change, relayed in order to the RATEL_COLLECTIONS
 * stream: `ratel.collections.v1.<event>.<accountId>` (`_suspense` for a payment nobody was identified
 * for). The event id is derived from what happened (`<type>|<source>`), so writing it again is a
 * no-op and JetStream's de-duplication window drops a re-publish. Money is a decimal string of the
 * currency's minor unit; dates are YYYY-MM-DD; times ISO-8601 UTC.
 *
 * | type               | when                                                             |
 * |--------------------|------------------------------------------------------------------|
 * | PAYMENT_RECEIVED   | a payment was recorded (statement, direct debit, card, manual)  |
 * | PAYMENT_ALLOCATED  | (part of) a payment paid documents: at receipt, by hand, by credit applied |
 * | PAYMENT_RETURNED   | a payment went back (direct-debit return, chargeback): its allocations undone |
 * | DUNNING_STEP_TAKEN | a dunning step was taken for an account (reminder, bar, write-off, ...) |
 * | REFUND_STATUS_CHANGED | a refund was requested (HELD or APPROVED), decided, sent or settled: one event per status it takes |
 * | CREDIT_NOTE_APPLIED | a credit note paid open documents of its account (netted, no money moved) |
 */
import { ACCOUNT_ID_PATTERN, derivedId } from './ids';
import { COLLECTIONS_SUBJECT_PREFIX } from './subjects';
import type { Validation } from './validate';

export const COLLECTIONS_EVENT_SCHEMA = 'ratel.collections.v1';
export const COLLECTIONS_EVENT_TYPES = [
  'PAYMENT_RECEIVED',
  'PAYMENT_ALLOCATED',
  'PAYMENT_RETURNED',
  'DUNNING_STEP_TAKEN',
  'REFUND_STATUS_CHANGED',
  'CREDIT_NOTE_APPLIED',
] as const;
export type CollectionsEventType = (typeof COLLECTIONS_EVENT_TYPES)[number];
/** The subject token of a payment without an account. */
export const SUSPENSE_SUBJECT_TOKEN = '_suspense';

interface EventBase {
  schema: typeof COLLECTIONS_EVENT_SCHEMA;
  eventId: string;
  occurredAt: string;
  accountId: string | null;
}

export interface PaymentReceivedEvent extends EventBase {
  type: 'PAYMENT_RECEIVED';
  paymentId: string;
  channel: string;
  currency: string;
  amountMinor: string;
  unappliedMinor: string;
  valueDate: string;
  status: string;
  matchRule: string | null;
}

export interface PaymentAllocatedEvent extends EventBase {
  type: 'PAYMENT_ALLOCATED';
  paymentId: string;
  /** The ledger transaction that posted it: the receipt's (shared by the payments received together), or the allocation by hand's or credit applied's. */
  ledgerTransactionId: string;
  currency: string;
  allocations: { documentId: string; amountMinor: string }[];
  unappliedMinor: string;
}

export interface PaymentReturnedEvent extends EventBase {
  type: 'PAYMENT_RETURNED';
  paymentId: string;
  currency: string;
  amountMinor: string;
  reason: string;
  /** Documents reopened, with what each owes again. */
  reopened: { documentId: string; amountMinor: string }[];
}

/** The notices of dunning steps, each a template the delivery process renders per channel. */
export const DUNNING_NOTICE_TEMPLATES = ['REMINDER', 'WARNING', 'TERMINATION'] as const;
export type DunningNoticeTemplate = (typeof DUNNING_NOTICE_TEMPLATES)[number];
export const DUNNING_NOTICE_CHANNELS = ['EMAIL', 'SMS'] as const;
export type DunningNoticeChannel = (typeof DUNNING_NOTICE_CHANNELS)[number];

export interface DunningNotice {
  channel: DunningNoticeChannel;
  template: DunningNoticeTemplate;
}

export interface DunningStepTakenEvent extends EventBase {
  type: 'DUNNING_STEP_TAKEN';
  accountId: string;
  caseId: string;
  stepNo: number;
  action: string;
  currency: string;
  overdueMinor: string;
  /** The oldest overdue document's due date. */
  oldestDueDate: string;
  takenOn: string;
  /** What the customer is told (the delivery process sends them through the account's delivery preferences). */
  notices: DunningNotice[];
}

/**
 * A refund took a status (apps/collections/src/refunds): HELD or APPROVED when requested, APPROVED or
 * REJECTED when an approver decided, SENT when its credit-transfer file was made, SUCCEEDED or FAILED
 * when the card gateway answered. SENDING (a card refund claimed for its gateway call) is internal.
 */
export interface RefundStatusChangedEvent extends EventBase {
  type: 'REFUND_STATUS_CHANGED';
  refundId: string;
  status: 'HELD' | 'APPROVED' | 'REJECTED' | 'SENT' | 'SUCCEEDED' | 'FAILED';
  /** ACCOUNT_CREDIT, CREDIT_NOTE or DEPOSIT. */
  sourceKind: string;
  /** BANK_TRANSFER or CARD. */
  method: string;
  currency: string;
  amountMinor: string;
  /** Why it is HELD (circuit breakers); empty otherwise. */
  holdReasons: string[];
  /** The gateway's code when FAILED; null otherwise. */
  failureCode: string | null;
}

/** A credit note paid open documents of its account (apps/collections/src/matching/net-credit-notes.ts). */
export interface CreditNoteAppliedEvent extends EventBase {
  type: 'CREDIT_NOTE_APPLIED';
  accountId: string;
  creditNoteId: string;
  /** The ledger transaction that posted it (CREDIT_NOTE_APPLIED). */
  ledgerTransactionId: string;
  currency: string;
  applications: { documentId: string; amountMinor: string }[];
  /** What of the credit note is left unused after this. */
  creditNoteOpenMinor: string;
}

export type CollectionsEvent =
  | PaymentReceivedEvent
  | PaymentAllocatedEvent
  | PaymentReturnedEvent
  | DunningStepTakenEvent
  | RefundStatusChangedEvent
  | CreditNoteAppliedEvent;

/** Distributes Omit over the union, so each event keeps its own fields. */
type Without<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type CollectionsEventInput = Without<CollectionsEvent, 'schema' | 'eventId' | 'occurredAt'>;

export interface OutboxEntry {
  eventId: string;
  subject: string;
  payload: CollectionsEvent;
}

const SUBJECT_TOKENS: Record<CollectionsEventType, string> = {
  PAYMENT_RECEIVED: 'payment-received',
  PAYMENT_ALLOCATED: 'payment-allocated',
  PAYMENT_RETURNED: 'payment-returned',
  DUNNING_STEP_TAKEN: 'dunning-step',
  REFUND_STATUS_CHANGED: 'refund',
  CREDIT_NOTE_APPLIED: 'credit-note-applied',
};

/** `ratel.collections.v1.<event>.<accountId | _suspense>`. */
export function collectionsSubject(type: CollectionsEventType, accountId: string | null): string {
  checkSubjectAccount(accountId);
  return `${COLLECTIONS_SUBJECT_PREFIX}.${SUBJECT_TOKENS[type]}.${accountId ?? SUSPENSE_SUBJECT_TOKEN}`;
}

/** Throws unless `accountId` may stand in a subject (or is null: `_suspense`). */
function checkSubjectAccount(accountId: string | null): void {
  if (accountId !== null && !ACCOUNT_ID_PATTERN.test(accountId))
    throw new RangeError(`accountId is not a valid subject token: ${JSON.stringify(accountId)}`);
}

/** Each event type's short code in an event id (collectionsEventIdOf). */
const EVENT_ID_CODES: Record<CollectionsEventType, string> = {
  PAYMENT_RECEIVED: 'rcv',
  PAYMENT_ALLOCATED: 'alc',
  PAYMENT_RETURNED: 'ret',
  DUNNING_STEP_TAKEN: 'dun',
  REFUND_STATUS_CHANGED: 'rfd',
  CREDIT_NOTE_APPLIED: 'cna',
};
/** What a source must be to stand in an event id (id characters; its `|` become `:`). */
const PLAIN_SOURCE = /^[A-Za-z0-9_.|-]+$/;

/**
 * The id of the event of `type` keyed by `source`: `ce-<code>:<source>`, the source's `|` written `:`,
 * when that fits in 64 characters, else `ce-` and 40 hex digits of SHA-1 (a hash has no `:`, and a plain
 * source has no `:` of its own, so no two keys meet). Its characters, `A-Z a-z 0-9 _ . : -`, are those of
 * a delivery's subject id (a dunning notice is keyed by its event). The plain form keeps a statement
 * import's events in the order of its payments in the outbox's unique index (an insert appends instead of
 * landing on a random page). Pure.
 */
export function collectionsEventIdOf(type: CollectionsEventType, source: string): string {
  const plain = PLAIN_SOURCE.test(source) ? `ce-${EVENT_ID_CODES[type]}:${source.replaceAll('|', ':')}` : undefined;
  return derivedId('ce-', plain, `${type}|${source}`);
}

/** The event of `input`, keyed by `source` (what makes it happen once: a payment id, a ledger transaction, a case and step). Pure. */
export function collectionsEvent(input: CollectionsEventInput, source: string, occurredAt: Date): OutboxEntry {
  const eventId = collectionsEventIdOf(input.type, source);
  const payload = { schema: COLLECTIONS_EVENT_SCHEMA, eventId, occurredAt: occurredAt.toISOString(), ...input } as CollectionsEvent;
  return { eventId, subject: collectionsSubject(input.type, input.accountId), payload };
}

/**
 * A payment received, and what it paid at receipt: the two events of each payment a statement import applies
 * (paymentReceivedEvents). Money as decimal strings of the minor unit, as in the events.
 */
export type PaymentReceivedItem = Omit<PaymentReceivedEvent, 'schema' | 'eventId' | 'occurredAt' | 'type'> & {
  /** Undefined when the payment paid no document (no PAYMENT_ALLOCATED event). */
  allocated?: Pick<PaymentAllocatedEvent, 'ledgerTransactionId' | 'allocations'>;
};

/** A payment's events, keyed by the payment: PAYMENT_RECEIVED, then PAYMENT_ALLOCATED when it paid documents. Pure. */
export function paymentReceivedEvents(x: PaymentReceivedItem): { input: CollectionsEventInput; source: string }[] {
  const received = {
    input: {
      type: 'PAYMENT_RECEIVED' as const,
      accountId: x.accountId,
      paymentId: x.paymentId,
      currency: x.currency,
      unappliedMinor: x.unappliedMinor,
      channel: x.channel,
      amountMinor: x.amountMinor,
      valueDate: x.valueDate,
      status: x.status,
      matchRule: x.matchRule,
    },
    source: x.paymentId,
  };
  if (x.allocated === undefined) return [received];
  const allocated = {
    input: {
      type: 'PAYMENT_ALLOCATED' as const,
      accountId: x.accountId,
      paymentId: x.paymentId,
      currency: x.currency,
      unappliedMinor: x.unappliedMinor,
      ledgerTransactionId: x.allocated.ledgerTransactionId,
      allocations: x.allocated.allocations,
    },
    // The payment: a received payment is allocated once, when it is received.
    source: x.paymentId,
  };
  return [received, allocated];
}

/** The `form` of an outbox batch row holding payments received (paymentsReceivedBatch); the SQL function `outbox_events` expands it. */
export const PAYMENTS_RECEIVED_FORM = 'payments-received.v1';

/**
 * The events of payments received together (a statement import's batch: paymentReceivedEvents of each, in
 * order) as the COMPACT text of one outbox batch row, or undefined when an event id would not be of the plain
 * form (the caller then writes the events as they are). One array of fields per payment, the time and the
 * ledger transactions once:
 *
 *   {"form":"payments-received.v1","occurredAt":"<ISO>","ledgerTransactions":["<id>",...],
 *    "payments":[[paymentId, accountId|null, currency, unappliedMinor, channel, amountMinor, valueDate,
 *                 status, matchRule|null, <index in ledgerTransactions>|null, [[documentId, amountMinor],...]|null], ...]}
 *
 * about a seventh of the events' own text (issue 10: 70 kB against 477 kB for 500 payments; the events were
 * the largest single part of an import batch's write). The SQL function `outbox_events` (Migration20261206005100),
 * which the relay and the view `collections_event` read every batch row through, gives back exactly the events
 * paymentReceivedEvents and collectionsEvent build (each id, subject and payload), which a spec checks. The
 * account ids are checked as collectionsSubject checks them. Pure.
 */
export function paymentsReceivedBatch(items: readonly PaymentReceivedItem[], occurredAt: Date): string | undefined {
  const ledgerTransactions: string[] = [];
  const ledgerIndex = new Map<string, number>();
  const payments: unknown[] = [];
  for (const x of items) {
    checkSubjectAccount(x.accountId);
    // The SQL function derives the plain form only (`ce-rcv:<payment>`; a hash has no ':'). Both events' plain
    // ids have the same length ('rcv', 'alc'), so both are plain or neither.
    if (!collectionsEventIdOf('PAYMENT_RECEIVED', x.paymentId).startsWith('ce-rcv:')) return undefined;
    let ledger: number | null = null;
    let allocations: string[][] | null = null;
    if (x.allocated !== undefined) {
      const id = x.allocated.ledgerTransactionId;
      ledger = ledgerIndex.get(id) ?? ledgerTransactions.push(id) - 1;
      ledgerIndex.set(id, ledger);
      allocations = x.allocated.allocations.map((a) => [a.documentId, a.amountMinor]);
    }
    payments.push([
      x.paymentId,
      x.accountId,
      x.currency,
      x.unappliedMinor,
      x.channel,
      x.amountMinor,
      x.valueDate,
      x.status,
      x.matchRule,
      ledger,
      allocations,
    ]);
  }
  return JSON.stringify({ form: PAYMENTS_RECEIVED_FORM, occurredAt: occurredAt.toISOString(), ledgerTransactions, payments });
}

const MINOR_STRING = /^(0|[1-9][0-9]{0,18})$/;
const DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;

/** A DUNNING_STEP_TAKEN event as a consumer reads it off the wire: every field it relies on checked. Pure. */
export function validateDunningStepTaken(x: unknown): Validation<DunningStepTakenEvent> {
  const issues: { path: string; message: string }[] = [];
  const bad = (path: string, message: string) => issues.push({ path, message });
  const e = (typeof x === 'object' && x !== null ? x : {}) as Record<string, unknown>;
  if (e.schema !== COLLECTIONS_EVENT_SCHEMA) bad('schema', `not ${COLLECTIONS_EVENT_SCHEMA}`);
  if (e.type !== 'DUNNING_STEP_TAKEN') bad('type', 'not DUNNING_STEP_TAKEN');
  for (const f of ['eventId', 'caseId', 'action', 'occurredAt'] as const) if (typeof e[f] !== 'string' || e[f] === '') bad(f, 'required');
  if (typeof e.accountId !== 'string' || !ACCOUNT_ID_PATTERN.test(e.accountId)) bad('accountId', 'an account id');
  if (typeof e.stepNo !== 'number' || !Number.isInteger(e.stepNo)) bad('stepNo', 'an integer');
  if (typeof e.currency !== 'string' || !/^[A-Z]{3}$/.test(e.currency)) bad('currency', 'an ISO 4217 code');
  if (typeof e.overdueMinor !== 'string' || !MINOR_STRING.test(e.overdueMinor)) bad('overdueMinor', 'minor units as a string');
  for (const f of ['takenOn', 'oldestDueDate'] as const) if (typeof e[f] !== 'string' || !DATE.test(e[f])) bad(f, 'YYYY-MM-DD');
  if (
    !Array.isArray(e.notices) ||
    !e.notices.every(
      (n: unknown) =>
        typeof n === 'object' &&
        n !== null &&
        (DUNNING_NOTICE_CHANNELS as readonly unknown[]).includes((n as DunningNotice).channel) &&
        (DUNNING_NOTICE_TEMPLATES as readonly unknown[]).includes((n as DunningNotice).template),
    )
  )
    bad('notices', '[{ channel: EMAIL or SMS, template: REMINDER, WARNING or TERMINATION }]');
  return issues.length === 0 ? { ok: true, value: e as unknown as DunningStepTakenEvent } : { ok: false, issues };
}
