/**
 * The after-payment hook never drops a failure: a re-evaluation that fails for some accounts, or throws as a
 * whole, reaches the failures sink with every account counted; the process's sink counts them in one
 * counter per registry and logs them.
 */
import { Registry } from 'prom-client';
import type { Logger } from '@app/observability';
import { dunningAfterPayments } from '../api/collections.module';
import { AFTER_PAYMENT_FAILURES_METRIC, countedAfterPaymentFailures } from './after-payment-failures';
import { type Dunning, DUNNING_FAILURES_LISTED_MAX, type DunningRunSummary } from './dunning';

const clock = { nowMs: () => Date.parse('2026-12-07T06:00:00Z') };
const dunningAnswering = (answer: () => Promise<DunningRunSummary>) => ({ evaluateAccounts: answer }) as unknown as Dunning;

describe('dunningAfterPayments: failures', () => {
  it('passes on the count and the listed accounts of a re-evaluation that failed for some', async () => {
    const got: unknown[] = [];
    const listed = Array.from({ length: DUNNING_FAILURES_LISTED_MAX }, (_, i) => ({ accountId: `a-${i}`, error: 'unbar: 503' }));
    const hook = dunningAfterPayments(
      dunningAnswering(async () => ({ accounts: 500, stepsTaken: 0, closed: 350, failedAccounts: 150, failed: listed })),
      clock,
      { failed: (count, l) => void got.push({ count, listed: l.length }) },
    );
    await hook(['x']);
    expect(got).toEqual([{ count: 150, listed: DUNNING_FAILURES_LISTED_MAX }]);
  });

  it('reports nothing when every account was evaluated', async () => {
    const got: unknown[] = [];
    const hook = dunningAfterPayments(
      dunningAnswering(async () => ({ accounts: 2, stepsTaken: 0, closed: 2, failedAccounts: 0, failed: [] })),
      clock,
      { failed: (count) => void got.push(count) },
    );
    await hook(['a', 'b']);
    expect(got).toEqual([]);
  });

  it('reports every account, once, when the re-evaluation throws', async () => {
    const got: { count: number; listed: readonly { accountId: string; error: string }[] }[] = [];
    const hook = dunningAfterPayments(
      dunningAnswering(async () => {
        throw new Error('connection refused');
      }),
      clock,
      { failed: (count, listed) => void got.push({ count, listed }) },
    );
    await expect(hook(['a', 'b', 'a'])).resolves.toBeUndefined();
    expect(got).toEqual([
      {
        count: 2,
        listed: [
          { accountId: 'a', error: 'connection refused' },
          { accountId: 'b', error: 'connection refused' },
        ],
      },
    ]);
  });

  it('counts in one counter per registry and logs the accounts', async () => {
    const registry = new Registry();
    const warnings: unknown[] = [];
    const logger = { warn: (o: unknown, m: string) => warnings.push([o, m]) } as unknown as Logger;
    countedAfterPaymentFailures(registry, logger).failed(3, [{ accountId: 'a', error: 'e' }]);
    countedAfterPaymentFailures(registry, logger).failed(1, [{ accountId: 'b', error: 'e' }]);
    expect((await registry.getSingleMetric(AFTER_PAYMENT_FAILURES_METRIC)!.get()).values.map((v) => v.value)).toEqual([4]);
    expect(warnings[0]).toEqual([{ accounts: 3, failed: [{ accountId: 'a', error: 'e' }] }, expect.stringContaining('2 more not listed')]);
  });
});
