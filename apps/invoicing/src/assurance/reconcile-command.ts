/** The command of a reconciliation run, validated when it is made from the request (HTTP query or CLI flags). */
import { InvoicingError } from '../api/invoicing-error';
import { parseAccountId, QueryReader, RawQuery, readPeriod } from '../api/query-params';
import { ASSURANCE_PERIOD_MAX_MS } from './assurance-limits';

export const ASSURANCE_PERIOD_MAX_DAYS = ASSURANCE_PERIOD_MAX_MS / 86_400_000;

export interface ReconcileCommand {
  readonly fromMs: number;
  readonly toMs: number;
  /** Absent = every account. */
  readonly accountId?: string;
}

export function reconcileCommand(query: RawQuery): ReconcileCommand {
  const q = new QueryReader(query);
  const period = readPeriod(q, ASSURANCE_PERIOD_MAX_DAYS);
  const accountId = q.optional('accountId');
  q.finish();
  if (accountId === '') throw InvoicingError.invalid('accountId', 'is empty; leave it out to check every account');
  return accountId === undefined ? period : { ...period, accountId: parseAccountId(accountId) };
}
