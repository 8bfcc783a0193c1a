/**
 * The commands of the usage API, each validated when it is made from the request: a bad parameter
 * is an INVALID_ARGUMENT naming it, before anything is read.
 */
import type { ReportFilter, SubscriberCursor } from '@app/analytics';
import type { RatedEventType } from '@app/events';
import { InvoicingError } from '../api/invoicing-error';
import { parseAccountId, QueryReader, RawQuery, readInt, readPeriod, readTypes, readUint32 } from '../api/query-params';
import {
  REVENUE_API_PERIOD_MAX_DAYS,
  REVENUE_OFFSET_MAX,
  REVENUE_PAGE_DEFAULT,
  REVENUE_PAGE_MAX,
  SUBSCRIBERS_PAGE_DEFAULT,
  SUBSCRIBERS_PAGE_MAX,
  USAGE_API_PERIOD_MAX_DAYS,
} from './usage-limits';

/** Usage is DEBITs net of their REFUNDs unless `type` says otherwise. */
export const USAGE_API_TYPES_DEFAULT: readonly RatedEventType[] = ['DEBIT', 'REFUND'];

export type ReportCommand = Readonly<ReportFilter>;
export type AccountReportCommand = Readonly<ReportFilter & { accountId: string }>;
export type SubscribersCommand = AccountReportCommand & Readonly<{ limit: number; after?: SubscriberCursor }>;
export type RevenueCommand = ReportCommand & Readonly<{ limit: number; offset: number }>;

function readFilter(q: QueryReader, maxDays: number): ReportFilter {
  const period = readPeriod(q, maxDays);
  return {
    ...period,
    types: readTypes(q, USAGE_API_TYPES_DEFAULT),
    serviceId: readUint32(q, 'serviceId'),
    ratingGroup: readUint32(q, 'ratingGroup'),
  };
}

/** summary and daily: the account, the period and the filters. */
export function accountReportCommand(accountId: unknown, query: RawQuery): AccountReportCommand {
  const id = parseAccountId(accountId);
  const q = new QueryReader(query);
  const filter = readFilter(q, USAGE_API_PERIOD_MAX_DAYS);
  q.finish();
  return { accountId: id, ...filter };
}

export function subscribersCommand(accountId: unknown, query: RawQuery): SubscribersCommand {
  const id = parseAccountId(accountId);
  const q = new QueryReader(query);
  const filter = readFilter(q, USAGE_API_PERIOD_MAX_DAYS);
  const limit = readInt(q, 'limit', 1, SUBSCRIBERS_PAGE_MAX, SUBSCRIBERS_PAGE_DEFAULT);
  const cursor = q.optional('cursor');
  q.finish();
  return { accountId: id, ...filter, limit, after: cursor === undefined ? undefined : decodeSubscriberCursor(cursor) };
}

export function revenueCommand(query: RawQuery): RevenueCommand {
  const q = new QueryReader(query);
  const filter = readFilter(q, REVENUE_API_PERIOD_MAX_DAYS);
  const limit = readInt(q, 'limit', 1, REVENUE_PAGE_MAX, REVENUE_PAGE_DEFAULT);
  const offset = readInt(q, 'offset', 0, REVENUE_OFFSET_MAX, 0);
  q.finish();
  return { ...filter, limit, offset };
}

const CURSOR_SUBSCRIBER = /^([0-9]{5,15})?$/;
const CURSOR_CURRENCY = /^[A-Z]{3}$/;

/** The opaque cursor of the next subscriber page: base64url of `["<subscriberId>","<currency>"]`. */
export function encodeSubscriberCursor(c: SubscriberCursor): string {
  return Buffer.from(JSON.stringify([c.subscriberId, c.currency]), 'utf8').toString('base64url');
}

export function decodeSubscriberCursor(cursor: string): SubscriberCursor {
  const bad = () => InvoicingError.invalid('cursor', 'not a cursor of this list; pass nextCursor of the previous page unchanged');
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw bad();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(value) || value.length !== 2) throw bad();
  const [subscriberId, currency] = value as unknown[];
  if (
    typeof subscriberId !== 'string' ||
    typeof currency !== 'string' ||
    !CURSOR_SUBSCRIBER.test(subscriberId) ||
    !CURSOR_CURRENCY.test(currency)
  ) {
    throw bad();
  }
  return { subscriberId, currency };
}
