/**
 * The balance journal's arithmetic: folds rated events (in stream order) into the per-account
 * state PostgreSQL keeps, mirroring what the engine's scripts did to Redis:
 *
 * - balance: minus `amountMicros` of every event (the sign convention of ratel.rated.v1), except a
 *   TOPUP with reason INITIAL_BALANCE, which SETS it: that event is written when the engine creates
 *   the account, at the opening balance the projection gave it (first creation: the ledger; a
 *   re-creation after Redis lost the account: this journal plus the confirmed top-ups it lacks).
 * - allowance buckets: units consumed, plus the `allowances` of a DEBIT, minus those of a REFUND
 *   (the units it put back).
 * - tier counters of the current billing cycle: a DEBIT adds `billableUnits - allowanceUnits` (the
 *   units paid with money) to the counter of its rating group; a DEBIT of another cycle starts the
 *   counters afresh; a REFUND takes its `cycleUnits` off the counter when its cycle is still the
 *   current one. Counters stay within [0, CYCLE_UNITS_MAX], as in the engine (includes/cycle.lua).
 *
 * An account the journal first sees through another event (the journal was started on a running
 * system, or the stream removed the opening unread) starts at that event's `balanceAfterMicros`;
 * its allowances' and tier counters' use before that event is unknown to the journal.
 *
 * RELEASE and EXPIRY change none of these (reservations are not journaled: a rebuilt account has
 * none). Pure: no I/O, so the rules are unit-tested on their own (journal-fold.spec.ts).
 */
import { ENGINE_TOPUP_REQUEST_PREFIX } from '../provisioning/provisioning.limits';
import type { RatedEvent } from '@app/events';

/** The engine's cycle counters saturate here (CYCLE_MAX = 2^52 in lua/includes/rating.lua). */
export const CYCLE_UNITS_MAX = 2 ** 52;

/** What the journal holds of one account. */
export interface AccountJournalState {
  balanceMicros: bigint;
  /** The cycle id of the tier counters ('' before the first debit). */
  cycleId: string;
  /** Tier counters of `cycleId`, by rating group. */
  cycleUnits: Map<number, number>;
}

/** The effect of a batch on one account, ready to be written. */
export interface AccountDelta {
  accountId: string;
  /** The state after the batch. */
  state: AccountJournalState;
  /** Whether the batch replaced the cycle (older counters of the account are to be deleted). */
  cycleChanged: boolean;
  /** Rating groups whose counter the batch wrote. */
  cycleTouched: Set<number>;
  /** Consumed units to add, by bucket id (negative when refunds put more back than debits took). */
  bucketConsumed: Map<string, number>;
  /** Idempotency keys of the top-ups whose credit the batch holds (TOPUP events of `topup:<key>`). */
  topUpKeys: string[];
  /**
   * Whether the batch set the balance from an event: the account's opening (TOPUP, INITIAL_BALANCE,
   * at creation or re-creation), or the first event the journal saw of an account it did not know.
   * The account's confirmed top-ups are then in the balance already.
   */
  opened: boolean;
  lastSeq: number;
  lastEventAtMs: number;
  events: number;
  /** Events whose `balanceAfterMicros` is not what the fold computed (a lost or reordered event). */
  balanceMismatches: number;
}

export interface JournalEntry {
  seq: number;
  event: RatedEvent;
}

function emptyState(): AccountJournalState {
  return { balanceMicros: 0n, cycleId: '', cycleUnits: new Map() };
}

function clampCycle(v: number): number {
  return Math.max(0, Math.min(v, CYCLE_UNITS_MAX));
}

/**
 * Folds `entries` (ascending seq) into the accounts' current states (`current`: what PostgreSQL
 * holds, missing for an account the journal has not seen). `current` is not modified.
 */
export function foldJournal(
  current: ReadonlyMap<string, AccountJournalState>,
  entries: readonly JournalEntry[],
): Map<string, AccountDelta> {
  const out = new Map<string, AccountDelta>();
  for (const { seq, event: e } of entries) {
    let d = out.get(e.accountId);
    if (d === undefined) {
      const known = current.get(e.accountId);
      const base = known ?? emptyState();
      // An account first seen by a later event (the journal started on a running system, or the
      // stream lost its opening): the balance before the event is what the event reports after it
      // plus what it took.
      const seeded = known === undefined && !(e.type === 'TOPUP' && e.reason === 'INITIAL_BALANCE');
      if (seeded) base.balanceMicros = BigInt(e.balanceAfterMicros) + BigInt(e.amountMicros);
      d = {
        accountId: e.accountId,
        state: { balanceMicros: base.balanceMicros, cycleId: base.cycleId, cycleUnits: new Map(base.cycleUnits) },
        cycleChanged: false,
        cycleTouched: new Set(),
        bucketConsumed: new Map(),
        topUpKeys: [],
        opened: seeded,
        lastSeq: seq,
        lastEventAtMs: e.occurredAtMs,
        events: 0,
        balanceMismatches: 0,
      };
      out.set(e.accountId, d);
    }
    applyEvent(d, e);
    d.lastSeq = seq;
    d.lastEventAtMs = Math.max(d.lastEventAtMs, e.occurredAtMs);
    d.events++;
    if (d.state.balanceMicros !== BigInt(e.balanceAfterMicros)) d.balanceMismatches++;
  }
  return out;
}

function addBuckets(d: AccountDelta, allowances: RatedEvent['allowances'], sign: 1 | -1): void {
  for (const a of allowances) d.bucketConsumed.set(a.bucketId, (d.bucketConsumed.get(a.bucketId) ?? 0) + sign * a.units);
}

function applyEvent(d: AccountDelta, e: RatedEvent): void {
  const s = d.state;
  const amount = BigInt(e.amountMicros);
  switch (e.type) {
    case 'TOPUP':
      if (e.reason === 'INITIAL_BALANCE') {
        s.balanceMicros = -amount;
        d.opened = true;
      } else {
        s.balanceMicros -= amount;
      }
      if (e.requestId.startsWith(ENGINE_TOPUP_REQUEST_PREFIX)) d.topUpKeys.push(e.requestId.slice(ENGINE_TOPUP_REQUEST_PREFIX.length));
      return;
    case 'DEBIT': {
      s.balanceMicros -= amount;
      addBuckets(d, e.allowances, 1);
      const m = e.billableUnits - e.allowanceUnits;
      if (m <= 0 || e.cycleId === '') return;
      if (s.cycleId !== e.cycleId) {
        s.cycleId = e.cycleId;
        s.cycleUnits = new Map();
        d.cycleChanged = true;
        d.cycleTouched = new Set();
      }
      s.cycleUnits.set(e.ratingGroup, clampCycle((s.cycleUnits.get(e.ratingGroup) ?? 0) + m));
      d.cycleTouched.add(e.ratingGroup);
      return;
    }
    case 'REFUND': {
      s.balanceMicros -= amount;
      addBuckets(d, e.allowances, -1);
      const m = e.cycleUnits ?? 0;
      if (m <= 0 || e.cycleId === '' || s.cycleId !== e.cycleId) return;
      s.cycleUnits.set(e.ratingGroup, clampCycle((s.cycleUnits.get(e.ratingGroup) ?? 0) - m));
      d.cycleTouched.add(e.ratingGroup);
      return;
    }
    case 'RELEASE':
    case 'EXPIRY':
      return;
  }
}
