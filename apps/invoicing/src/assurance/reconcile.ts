/**
 * The comparison at the heart of revenue assurance, pure (no I/O): what the charging side
 * published against what ClickHouse holds, first as totals per account and event type (count,
 * amount and an order-free fingerprint of the event ids), then, for the accounts whose totals
 * differ, event by event: missing in ClickHouse, extra in ClickHouse, or a different amount/type.
 * Both sides hold the events that occurred in the period (event time), whenever they were
 * published; those published after the period end plus the publish delay bound are also listed
 * as late arrivals (a fact to know, not a difference).
 */
import { addFingerprint, AccountTypeTotal, eventIdFingerprint, StoredEventAmount } from '@app/analytics';
import type { RatedEventType } from '@app/events';
import { ASSURANCE_EVENT_IDS_PER_KIND_MAX } from './assurance-limits';

export interface PublishedEvent {
  accountId: string;
  type: RatedEventType;
  amountMicros: bigint;
  /** When the stream stored its first copy (the NATS server's clock). */
  publishedAtMs: number;
}

export interface AccountLateArrivals {
  accountId: string;
  events: bigint;
  amountMicros: bigint;
  /** How long after the period end the latest of them was published. */
  lateByMsMax: number;
  /** The first ASSURANCE_EVENT_IDS_PER_KIND_MAX ids, sorted. */
  eventIds: string[];
}

export interface LateArrivals {
  events: bigint;
  amountMicros: bigint;
  lateByMsMax: number;
  accountsLate: number;
  /** The first `accountsMax` accounts, sorted by id. */
  accounts: AccountLateArrivals[];
}

export interface Totals {
  events: bigint;
  amountMicros: bigint;
}

export interface TypeComparison {
  type: RatedEventType;
  published: Totals;
  stored: Totals;
}

export interface EventDifferences {
  events: bigint;
  amountMicros: bigint;
  /** The first ASSURANCE_EVENT_IDS_PER_KIND_MAX ids, sorted. */
  eventIds: string[];
}

export interface MismatchDifferences {
  events: bigint;
  publishedMicros: bigint;
  storedMicros: bigint;
  eventIds: string[];
}

export interface AccountDifference {
  accountId: string;
  byType: TypeComparison[];
  /** Absent when the account is beyond the reported maximum (only its totals are compared). */
  detail?: {
    missingInClickhouse: EventDifferences;
    extraInClickhouse: EventDifferences;
    amountMismatch: MismatchDifferences;
  };
}

type Key = string;
const keyOf = (accountId: string, type: string): Key => `${accountId}\u0000${type}`;

/** Totals per account and type of the published events, with the same id fingerprint as ClickHouse. */
export function publishedTotals(events: ReadonlyMap<string, PublishedEvent>): AccountTypeTotal[] {
  const totals = new Map<Key, AccountTypeTotal>();
  for (const [eventId, e] of events) {
    const k = keyOf(e.accountId, e.type);
    const t = totals.get(k) ?? { accountId: e.accountId, type: e.type, events: 0n, amountMicros: 0n, idFingerprint: 0n };
    t.events += 1n;
    t.amountMicros += e.amountMicros;
    t.idFingerprint = addFingerprint(t.idFingerprint, eventIdFingerprint(eventId));
    totals.set(k, t);
  }
  return [...totals.values()];
}

const ZERO: Totals = { events: 0n, amountMicros: 0n };
const same = (a: AccountTypeTotal | undefined, b: AccountTypeTotal | undefined) =>
  a !== undefined && b !== undefined && a.events === b.events && a.amountMicros === b.amountMicros && a.idFingerprint === b.idFingerprint;

/** Accounts whose totals differ on any type, sorted, each with its per-type comparison. */
export function compareTotals(published: readonly AccountTypeTotal[], stored: readonly AccountTypeTotal[]): AccountDifference[] {
  const pub = new Map(published.map((t) => [keyOf(t.accountId, t.type), t]));
  const sto = new Map(stored.map((t) => [keyOf(t.accountId, t.type), t]));
  const byAccount = new Map<string, { differs: boolean; byType: TypeComparison[] }>();
  for (const k of new Set([...pub.keys(), ...sto.keys()])) {
    const p = pub.get(k);
    const s = sto.get(k);
    const { accountId, type } = (p ?? s)!;
    const entry = byAccount.get(accountId) ?? { differs: false, byType: [] };
    entry.differs ||= !same(p, s);
    entry.byType.push({
      type,
      published: p ? { events: p.events, amountMicros: p.amountMicros } : ZERO,
      stored: s ? { events: s.events, amountMicros: s.amountMicros } : ZERO,
    });
    byAccount.set(accountId, entry);
  }
  return [...byAccount.entries()]
    .filter(([, e]) => e.differs)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([accountId, e]) => ({ accountId, byType: e.byType.sort((x, y) => (x.type < y.type ? -1 : 1)) }));
}

function emptyKind(): EventDifferences {
  return { events: 0n, amountMicros: 0n, eventIds: [] };
}

function note(ids: string[], id: string): void {
  ids.push(id);
}

function finish(ids: string[]): string[] {
  return ids.sort().slice(0, ASSURANCE_EVENT_IDS_PER_KIND_MAX);
}

/** The published events of the given accounts, grouped by account (one pass over every event). */
export function groupByAccount(
  published: ReadonlyMap<string, PublishedEvent>,
  accountIds: ReadonlySet<string>,
): Map<string, Map<string, PublishedEvent>> {
  const groups = new Map<string, Map<string, PublishedEvent>>([...accountIds].map((a) => [a, new Map()]));
  for (const [eventId, e] of published) groups.get(e.accountId)?.set(eventId, e);
  return groups;
}

/**
 * Event-level differences of one account, given its published events and the stored events of the
 * detailed accounts. An event stored under another account than it was published for counts as
 * missing here (and as extra for the other account).
 */
export function classifyAccount(
  accountId: string,
  published: ReadonlyMap<string, PublishedEvent>,
  stored: readonly StoredEventAmount[],
): NonNullable<AccountDifference['detail']> {
  const missing = emptyKind();
  const extra = emptyKind();
  const mismatch: MismatchDifferences = { events: 0n, publishedMicros: 0n, storedMicros: 0n, eventIds: [] };
  const storedById = new Map(stored.filter((s) => s.accountId === accountId).map((s) => [s.eventId, s]));
  for (const [eventId, p] of published) {
    const s = storedById.get(eventId);
    if (s === undefined) {
      missing.events += 1n;
      missing.amountMicros += p.amountMicros;
      note(missing.eventIds, eventId);
    } else if (s.amountMicros !== p.amountMicros || s.type !== p.type) {
      mismatch.events += 1n;
      mismatch.publishedMicros += p.amountMicros;
      mismatch.storedMicros += s.amountMicros;
      note(mismatch.eventIds, eventId);
    }
  }
  for (const [eventId, s] of storedById) {
    if (published.has(eventId)) continue;
    extra.events += 1n;
    extra.amountMicros += s.amountMicros;
    note(extra.eventIds, eventId);
  }
  missing.eventIds = finish(missing.eventIds);
  extra.eventIds = finish(extra.eventIds);
  mismatch.eventIds = finish(mismatch.eventIds);
  return { missingInClickhouse: missing, extraInClickhouse: extra, amountMismatch: mismatch };
}

function noLateArrivals(accountId: string): AccountLateArrivals {
  return { accountId, events: 0n, amountMicros: 0n, lateByMsMax: 0, eventIds: [] };
}

/**
 * Events of the period published after `toMs + publishDelayMaxMs`: on both sides of the
 * comparison like any other, and listed here, per account, with how late they came.
 */
export function lateArrivals(
  events: ReadonlyMap<string, PublishedEvent>,
  o: { toMs: number; publishDelayMaxMs: number; accountsMax: number },
): LateArrivals {
  const byAccount = new Map<string, AccountLateArrivals>();
  const total: LateArrivals = { events: 0n, amountMicros: 0n, lateByMsMax: 0, accountsLate: 0, accounts: [] };
  for (const [eventId, e] of events) {
    const lateByMs = e.publishedAtMs - o.toMs;
    if (lateByMs <= o.publishDelayMaxMs) continue;
    const a = byAccount.get(e.accountId) ?? noLateArrivals(e.accountId);
    a.events += 1n;
    a.amountMicros += e.amountMicros;
    a.lateByMsMax = Math.max(a.lateByMsMax, lateByMs);
    a.eventIds.push(eventId);
    byAccount.set(e.accountId, a);
    total.events += 1n;
    total.amountMicros += e.amountMicros;
    total.lateByMsMax = Math.max(total.lateByMsMax, lateByMs);
  }
  const sorted = [...byAccount.values()].sort((x, y) => (x.accountId < y.accountId ? -1 : 1));
  total.accountsLate = sorted.length;
  total.accounts = sorted.slice(0, o.accountsMax).map((a) => ({ ...a, eventIds: finish(a.eventIds) }));
  return total;
}
