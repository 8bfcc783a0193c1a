import type { RatedEvent } from '@app/events';
import { CYCLE_UNITS_MAX, foldJournal, type AccountJournalState, type JournalEntry } from './journal-fold';
import { journalEvent, openingEvent } from './testing/rated-events';

let seq = 0;
function entry(e: Partial<RatedEvent>): JournalEntry {
  return { seq: ++seq, event: journalEvent(e) };
}
const opening = (micros: number): JournalEntry => ({ seq: ++seq, event: openingEvent('acc-1', micros) });
const debit = (e: Partial<RatedEvent>) => entry({ type: 'DEBIT', ...e });

function one(current: Map<string, AccountJournalState>, entries: JournalEntry[]) {
  const d = foldJournal(current, entries).get('acc-1');
  if (!d) throw new Error('no delta for acc-1');
  return d;
}

describe('foldJournal', () => {
  it('sets the balance at the opening and takes every amount off it', () => {
    const d = one(new Map(), [
      opening(5_000_000),
      debit({ amountMicros: '1200000', balanceAfterMicros: '3800000' }),
      entry({ type: 'REFUND', amountMicros: '-200000', balanceAfterMicros: '4000000' }),
      entry({
        type: 'TOPUP',
        amountMicros: '-1000000',
        balanceAfterMicros: '5000000',
        requestId: 'topup:key-1',
        unit: 'MONEY',
        cycleId: '',
      }),
      entry({ type: 'RELEASE', reason: 'TERMINATED', balanceAfterMicros: '5000000', releasedMicros: '300000' }),
      entry({ type: 'EXPIRY', reason: 'VALIDITY_EXPIRED', balanceAfterMicros: '5000000' }),
    ]);
    expect(d.state.balanceMicros).toBe(5_000_000n);
    expect(d).toMatchObject({ opened: true, topUpKeys: ['key-1'], events: 6, balanceMismatches: 0 });
  });

  it('continues from the stored state and counts an event whose balance after does not follow', () => {
    const current = new Map([['acc-1', { balanceMicros: 1_000n, cycleId: '', cycleUnits: new Map() }]]);
    const d = one(current, [
      debit({ amountMicros: '100', balanceAfterMicros: '900' }),
      debit({ amountMicros: '100', balanceAfterMicros: '700' }),
    ]);
    expect(d.state.balanceMicros).toBe(800n);
    expect(d.balanceMismatches).toBe(1);
    expect(current.get('acc-1')?.balanceMicros).toBe(1_000n); // the input is not modified
  });

  it('an account first seen through a later event starts at the balance that event reports', () => {
    const d = one(new Map(), [
      debit({ amountMicros: '250', balanceAfterMicros: '4750' }),
      debit({ amountMicros: '50', balanceAfterMicros: '4700' }),
    ]);
    expect(d.state.balanceMicros).toBe(4_700n);
    expect(d).toMatchObject({ opened: true, balanceMismatches: 0 });
  });

  it('a re-created account starts again at its new opening (the rebuild computed it from the journal)', () => {
    const current = new Map([['acc-1', { balanceMicros: 700n, cycleId: '', cycleUnits: new Map() }]]);
    expect(one(current, [opening(1_700)]).state.balanceMicros).toBe(1_700n);
  });

  it("adds a debit's allowance units to the buckets and takes a refund's back", () => {
    const d = one(new Map(), [
      debit({
        billableUnits: 120,
        allowanceUnits: 120,
        allowances: [
          { bucketId: 'b1', units: 100 },
          { bucketId: 'b2', units: 20 },
        ],
      }),
      entry({ type: 'REFUND', billableUnits: 60, allowanceUnits: 60, allowances: [{ bucketId: 'b1', units: 60 }] }),
      entry({ type: 'RELEASE', reason: 'TERMINATED', allowances: [] }),
    ]);
    expect(d.bucketConsumed).toEqual(
      new Map([
        ['b1', 40],
        ['b2', 20],
      ]),
    );
  });

  it.each([
    [
      'counts units paid with money per rating group',
      [debit({ billableUnits: 90, allowanceUnits: 30 }), debit({ billableUnits: 10, allowanceUnits: 0, ratingGroup: 20 })],
      '2026-11',
      [
        [10, 60],
        [20, 10],
      ],
    ],
    ['starts a new cycle afresh', [debit({ billableUnits: 50 }), debit({ billableUnits: 7, cycleId: '2026-12' })], '2026-12', [[10, 7]]],
    [
      'a debit paid by allowances only does not start a new cycle',
      [debit({ billableUnits: 50 }), debit({ billableUnits: 7, allowanceUnits: 7, cycleId: '2026-12' })],
      '2026-11',
      [[10, 50]],
    ],
    [
      'a refund takes its cycleUnits off the current cycle',
      [debit({ billableUnits: 50 }), entry({ type: 'REFUND', billableUnits: 20, cycleUnits: 20 })],
      '2026-11',
      [[10, 30]],
    ],
    [
      'a refund of another cycle leaves the counters alone',
      [debit({ billableUnits: 50 }), entry({ type: 'REFUND', billableUnits: 20, cycleUnits: 20, cycleId: '2026-10' })],
      '2026-11',
      [[10, 50]],
    ],
    ['counters stay at or above 0', [debit({ billableUnits: 5 }), entry({ type: 'REFUND', cycleUnits: 9 })], '2026-11', [[10, 0]]],
    [
      "counters saturate like the engine's",
      [debit({ billableUnits: CYCLE_UNITS_MAX }), debit({ billableUnits: 5 })],
      '2026-11',
      [[10, CYCLE_UNITS_MAX]],
    ],
  ] as const)('tier counters: %s', (_name, entries, cycleId, counters) => {
    const d = one(new Map(), [...entries]);
    expect(d.state.cycleId).toBe(cycleId);
    expect([...d.state.cycleUnits].sort((a, b) => a[0] - b[0])).toEqual(counters);
  });

  it('marks a cycle change so the stored counters of the old cycle are dropped', () => {
    const current = new Map([
      [
        'acc-1',
        {
          balanceMicros: 0n,
          cycleId: '2026-10',
          cycleUnits: new Map([
            [10, 99],
            [20, 5],
          ]),
        },
      ],
    ]);
    const d = one(current, [debit({ billableUnits: 3 })]);
    expect(d.cycleChanged).toBe(true);
    expect([...d.state.cycleUnits]).toEqual([[10, 3]]);
    expect([...d.cycleTouched]).toEqual([10]);
  });

  it('keeps accounts apart and records the last sequence of each', () => {
    const entries = [
      opening(10),
      debit({ accountId: 'acc-2', amountMicros: '4', balanceAfterMicros: '-4' }),
      debit({ amountMicros: '3', balanceAfterMicros: '7' }),
    ];
    const out = foldJournal(new Map(), entries);
    expect(out.get('acc-1')).toMatchObject({ lastSeq: entries[2].seq, events: 2 });
    expect(out.get('acc-1')?.state.balanceMicros).toBe(7n);
    expect(out.get('acc-2')).toMatchObject({ lastSeq: entries[1].seq, events: 1 });
    expect(out.get('acc-2')?.state.balanceMicros).toBe(-4n);
  });
});
