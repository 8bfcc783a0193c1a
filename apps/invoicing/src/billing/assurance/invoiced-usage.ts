/**
 * Revenue assurance of invoices, the pure part: the usage lines a run should have billed (ClickHouse,
 * read with the run's own watermarks: libs/analytics invoice-usage-query) against the USAGE lines of
 * the run's issued documents, per account and line key (service, rating group, tariff, unit, late).
 *
 * Exact, with no tolerance: COMPUTE makes one line per ClickHouse line (per subscriber) and rounds
 * its micros once to the minor unit (compute/line-factory microsToMinor). So the expected amount of a
 * key is the sum of those rounded lines, and the expected quantity the sum of billable units; both
 * must equal the documents' lines. Credit notes a run made of a negative invoice count negative.
 */
import Decimal from 'decimal.js';
import type { InvoiceUsageLine } from '@app/analytics';
import { microsToMinor } from '../compute/line-factory';

/** One USAGE line of an issued document of the run. */
export interface InvoicedUsageLine {
  accountId: string;
  /** compute's usageKey: subscription|service|ratingGroup|zone|tariff|unit, then |late for late usage. */
  usageKey: string;
  /** numeric as text, e.g. '1536.000000000'. */
  quantity: string;
  amountMinor: bigint;
  /** -1 for a credit note, else 1. */
  sign: 1n | -1n;
}

export interface UsageFigures {
  lines: number;
  quantity: string;
  amountMinor: bigint;
}

export interface UsageDifference {
  accountId: string;
  /** service|ratingGroup|tariff|unit, then |late. */
  key: string;
  expected: UsageFigures;
  invoiced: UsageFigures;
}

export interface InvoicedUsageComparison {
  expected: { lines: number; amountMinor: bigint; events: bigint; amountMicros: bigint };
  invoiced: { lines: number; amountMinor: bigint };
  differences: UsageDifference[];
}

interface Acc {
  lines: number;
  quantity: Decimal;
  amountMinor: bigint;
}

/** The key of a line without its subscription (ClickHouse knows the subscriber, the document the subscription). */
export function keyOfUsageKey(usageKey: string): string {
  const parts = usageKey.split('|');
  const late = parts[parts.length - 1] === 'late';
  const core = late ? parts.slice(0, -1) : parts;
  if (core.length < 6)
    throw new RangeError(`usage key ${JSON.stringify(usageKey)}: expected subscription|service|ratingGroup|zone|tariff|unit`);
  const [service, ratingGroup, , tariff, unit] = core.slice(-5);
  return [service, ratingGroup, tariff, unit].join('|') + (late ? '|late' : '');
}

export function keyOfClickhouseLine(u: InvoiceUsageLine): string {
  return [String(u.serviceId), String(u.ratingGroup), u.tariffId, u.unit].join('|') + (u.late ? '|late' : '');
}

function add(map: Map<string, Map<string, Acc>>, accountId: string, key: string, quantity: Decimal, amountMinor: bigint): void {
  let byKey = map.get(accountId);
  if (byKey === undefined) map.set(accountId, (byKey = new Map()));
  const acc = byKey.get(key) ?? { lines: 0, quantity: new Decimal(0), amountMinor: 0n };
  byKey.set(key, { lines: acc.lines + 1, quantity: acc.quantity.plus(quantity), amountMinor: acc.amountMinor + amountMinor });
}

const figures = (a: Acc | undefined): UsageFigures =>
  a === undefined
    ? { lines: 0, quantity: '0', amountMinor: 0n }
    : { lines: a.lines, quantity: a.quantity.toFixed(), amountMinor: a.amountMinor };

/**
 * Compares, for the accounts in `accounts` only (the run's plan, less those whose document is not
 * issued), what ClickHouse says was billable with what was invoiced. Differences sorted by account, key.
 */
export function compareInvoicedUsage(p: {
  expected: readonly InvoiceUsageLine[];
  invoiced: readonly InvoicedUsageLine[];
  accounts: ReadonlySet<string>;
}): InvoicedUsageComparison {
  const want = new Map<string, Map<string, Acc>>();
  const got = new Map<string, Map<string, Acc>>();
  const totals: InvoicedUsageComparison = {
    expected: { lines: 0, amountMinor: 0n, events: 0n, amountMicros: 0n },
    invoiced: { lines: 0, amountMinor: 0n },
    differences: [],
  };
  for (const u of p.expected) {
    if (!p.accounts.has(u.accountId)) continue;
    const minor = microsToMinor(u.amountMicros, u.currency);
    add(want, u.accountId, keyOfClickhouseLine(u), new Decimal(u.billableUnits.toString()), minor);
    totals.expected.lines++;
    totals.expected.amountMinor += minor;
    totals.expected.events += u.events;
    totals.expected.amountMicros += u.amountMicros;
  }
  for (const l of p.invoiced) {
    if (!p.accounts.has(l.accountId)) continue;
    const amount = l.sign * l.amountMinor;
    add(got, l.accountId, keyOfUsageKey(l.usageKey), new Decimal(l.quantity).times(l.sign.toString()), amount);
    totals.invoiced.lines++;
    totals.invoiced.amountMinor += amount;
  }
  const accountIds = [...new Set([...want.keys(), ...got.keys()])].sort();
  for (const accountId of accountIds) {
    const w = want.get(accountId) ?? new Map<string, Acc>();
    const g = got.get(accountId) ?? new Map<string, Acc>();
    for (const key of [...new Set([...w.keys(), ...g.keys()])].sort()) {
      const e = w.get(key);
      const i = g.get(key);
      const same = e !== undefined && i !== undefined && e.amountMinor === i.amountMinor && e.quantity.equals(i.quantity);
      if (!same) totals.differences.push({ accountId, key, expected: figures(e), invoiced: figures(i) });
    }
  }
  return totals;
}
