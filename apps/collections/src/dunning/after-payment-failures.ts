/**
 * What becomes of a dunning re-evaluation that fails after a payment (dunningAfterPayments): the payment
 * has committed and stands; the account stays as dunning left it (still barred, its case open) until the
 * next run or payment evaluates it again. The failure is never silent: the process counts it in
 * `ratel_collections_after_payment_failures_total` and logs the account and the reason; a CLI writes it to
 * stderr.
 */
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '@app/observability';

export const AFTER_PAYMENT_FAILURES_METRIC = 'ratel_collections_after_payment_failures_total';

export interface AfterPaymentFailures {
  /**
   * `count` accounts whose re-evaluation after a payment failed (an unbar call refused, a page rolled back...),
   * `listed` of them with the reason (a dunning summary lists at most DUNNING_FAILURES_LISTED_MAX).
   */
  failed(count: number, listed: readonly { accountId: string; error: string }[]): void;
}

const NOT_LISTED = (count: number, listed: number) => (count > listed ? ` (${count - listed} more not listed)` : '');

/** The process's: counted and logged. One counter per registry, whichever app part asks first. */
export function countedAfterPaymentFailures(registry: Registry, logger: Logger): AfterPaymentFailures {
  const counter =
    (registry.getSingleMetric(AFTER_PAYMENT_FAILURES_METRIC) as Counter | undefined) ??
    new Counter({
      name: AFTER_PAYMENT_FAILURES_METRIC,
      help: 'Accounts whose dunning re-evaluation after a payment failed (left for the next run or payment)',
      registers: [registry],
    });
  return {
    failed: (count, listed) => {
      counter.inc(count);
      logger.warn(
        { accounts: count, failed: listed },
        `dunning after a payment failed for ${count} accounts${NOT_LISTED(count, listed.length)}: the next run or payment evaluates them again`,
      );
    },
  };
}

/** A CLI's: one line per account on stderr, beside its progress bar. */
export function stderrAfterPaymentFailures(command: string): AfterPaymentFailures {
  return {
    failed: (count, listed) => {
      for (const f of listed) process.stderr.write(`${command}: dunning after a payment failed for account ${f.accountId}: ${f.error}\n`);
      process.stderr.write(
        `${command}: dunning after a payment failed for ${count} accounts${NOT_LISTED(count, listed.length)}; the next dunning run evaluates them again\n`,
      );
    },
  };
}
