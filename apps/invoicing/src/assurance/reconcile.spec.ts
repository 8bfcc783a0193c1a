import { AccountTypeTotal, addFingerprint, eventIdFingerprint, StoredEventAmount } from '@app/analytics';
import { classifyAccount, compareTotals, groupByAccount, lateArrivals, PublishedEvent, publishedTotals } from './reconcile';
import { eventIdOf } from '@app/events/testing';

const id = (n: number) => eventIdOf(`event-${n}`);

function published(entries: [number, string, bigint][]): Map<string, PublishedEvent> {
  const event = (accountId: string, amountMicros: bigint) => ({
    accountId,
    type: 'DEBIT' as const,
    amountMicros,
    publishedAtMs: 0,
  });
  return new Map(entries.map(([n, accountId, amount]) => [id(n), event(accountId, amount)]));
}

function storedTotalsOf(rows: StoredEventAmount[]): AccountTypeTotal[] {
  const m = new Map<string, AccountTypeTotal>();
  for (const r of rows) {
    const k = `${r.accountId}/${r.type}`;
    const t = m.get(k) ?? { accountId: r.accountId, type: r.type, events: 0n, amountMicros: 0n, idFingerprint: 0n };
    t.events += 1n;
    t.amountMicros += r.amountMicros;
    t.idFingerprint = addFingerprint(t.idFingerprint, eventIdFingerprint(r.eventId));
    m.set(k, t);
  }
  return [...m.values()];
}

const stored = (n: number, accountId: string, amount: bigint): StoredEventAmount => ({
  eventId: id(n),
  accountId,
  type: 'DEBIT',
  amountMicros: amount,
});

describe('reconcile', () => {
  it('finds no difference when both sides hold the same events', () => {
    const pub = published([
      [1, 'a', 10n],
      [2, 'a', 20n],
      [3, 'b', 5n],
    ]);
    const sto = [stored(1, 'a', 10n), stored(2, 'a', 20n), stored(3, 'b', 5n)];
    expect(compareTotals(publishedTotals(pub), storedTotalsOf(sto))).toEqual([]);
  });

  it('sees a swapped event with the same amount through the id fingerprint', () => {
    const pub = published([
      [1, 'a', 10n],
      [2, 'a', 20n],
    ]);
    const sto = [stored(1, 'a', 10n), stored(9, 'a', 20n)];
    const diff = compareTotals(publishedTotals(pub), storedTotalsOf(sto));
    expect(diff.map((d) => d.accountId)).toEqual(['a']);
    const detail = classifyAccount('a', groupByAccount(pub, new Set(['a'])).get('a')!, sto);
    expect(detail.missingInClickhouse).toEqual({ events: 1n, amountMicros: 20n, eventIds: [id(2)] });
    expect(detail.extraInClickhouse).toEqual({ events: 1n, amountMicros: 20n, eventIds: [id(9)] });
    expect(detail.amountMismatch.events).toBe(0n);
  });

  it('classifies missing, extra and mismatched events, and accounts on one side only', () => {
    const pub = published([
      [1, 'a', 10n],
      [2, 'a', 20n],
      [3, 'a', 30n],
      [4, 'c', 7n],
    ]);
    const sto = [stored(1, 'a', 10n), stored(3, 'a', 31n), stored(5, 'b', 4n)];
    const diff = compareTotals(publishedTotals(pub), storedTotalsOf(sto));
    expect(diff.map((d) => d.accountId)).toEqual(['a', 'b', 'c']);
    expect(diff[0].byType).toEqual([
      { type: 'DEBIT', published: { events: 3n, amountMicros: 60n }, stored: { events: 2n, amountMicros: 41n } },
    ]);
    const groups = groupByAccount(pub, new Set(['a', 'b', 'c']));
    const a = classifyAccount('a', groups.get('a')!, sto);
    expect(a.missingInClickhouse).toEqual({ events: 1n, amountMicros: 20n, eventIds: [id(2)] });
    expect(a.amountMismatch).toEqual({ events: 1n, publishedMicros: 30n, storedMicros: 31n, eventIds: [id(3)] });
    expect(classifyAccount('b', groups.get('b')!, sto).extraInClickhouse.events).toBe(1n);
    expect(classifyAccount('c', groups.get('c')!, sto).missingInClickhouse.amountMicros).toBe(7n);
  });

  it('counts an event stored under another account as missing for one and extra for the other', () => {
    const pub = published([[1, 'a', 10n]]);
    const sto = [stored(1, 'b', 10n)];
    const groups = groupByAccount(pub, new Set(['a', 'b']));
    expect(classifyAccount('a', groups.get('a')!, sto).missingInClickhouse.events).toBe(1n);
    expect(classifyAccount('b', groups.get('b')!, sto).extraInClickhouse.events).toBe(1n);
  });
});

describe('lateArrivals', () => {
  const toMs = Date.UTC(2026, 11, 1);
  const HOUR_MS = 3_600_000;
  const at = (publishedAtMs: number, accountId: string, amountMicros: bigint): PublishedEvent => ({
    accountId,
    type: 'DEBIT',
    amountMicros,
    publishedAtMs,
  });

  it('lists the events published after the period end plus the delay bound, per account, with how late', () => {
    const events = new Map<string, PublishedEvent>([
      [id(1), at(toMs - HOUR_MS, 'a', 1n)], // within the period
      [id(2), at(toMs + HOUR_MS, 'a', 2n)], // at the bound: on time
      [id(3), at(toMs + HOUR_MS + 1, 'b', 4n)], // 1 ms beyond it
      [id(4), at(toMs + 10 * 24 * HOUR_MS, 'c', 8n)], // ten days after the period end
      [id(5), at(toMs + 2 * HOUR_MS, 'c', 16n)],
    ]);
    const late = lateArrivals(events, { toMs, publishDelayMaxMs: HOUR_MS, accountsMax: 10 });
    expect(late).toEqual({
      events: 3n,
      amountMicros: 28n,
      lateByMsMax: 10 * 24 * HOUR_MS,
      accountsLate: 2,
      accounts: [
        { accountId: 'b', events: 1n, amountMicros: 4n, lateByMsMax: HOUR_MS + 1, eventIds: [id(3)] },
        { accountId: 'c', events: 2n, amountMicros: 24n, lateByMsMax: 240 * HOUR_MS, eventIds: [id(4), id(5)].sort() },
      ],
    });
    const one = lateArrivals(events, { toMs, publishDelayMaxMs: HOUR_MS, accountsMax: 1 });
    const listed = one.accounts.map((a) => a.accountId);
    expect({ accountsLate: one.accountsLate, listed, events: one.events }).toEqual({
      accountsLate: 2,
      listed: ['b'],
      events: 3n,
    });
  });

  it('is empty when every event came in time', () => {
    const events = new Map([[id(1), at(toMs, 'a', 1n)]]);
    expect(lateArrivals(events, { toMs, publishDelayMaxMs: 0, accountsMax: 10 })).toEqual({
      events: 0n,
      amountMicros: 0n,
      lateByMsMax: 0,
      accountsLate: 0,
      accounts: [],
    });
  });
});
